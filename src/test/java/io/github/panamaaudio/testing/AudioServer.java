package io.github.panamaaudio.testing;

import java.nio.file.Path;
import java.util.Map;

/**
 * A private audio server that the tests started themselves and that speaks the
 * PulseAudio protocol on a unix socket: {@link PulseServer} (the
 * {@code pulseaudio} daemon) or {@link PipeWireServer} (PipeWire with
 * WirePlumber and pipewire-pulse). Both offer the same fixtures under the same
 * names, so that one test can run against either, e.g. with
 * {@code @ParameterizedTest @ArgumentsSource(AudioServers.class)}:
 * <ul>
 *   <li>a null sink {@link #sinkName()} at 48 kHz stereo, the default sink, whose
 *       loopback source is {@link #monitorOfSink()};</li>
 *   <li>a fake microphone {@link #sineSourceName()}: a steady sine of
 *       {@link #sineFrequencyHz()} Hz, the default source;</li>
 *   <li>tone players ({@link #playTone(String, double)}) and extra null sinks
 *       ({@link #loadNullSink(String)}).</li>
 * </ul>
 * What differs between the two, and what a test must allow for, is said by each
 * implementation (PipeWire: a new stream starts with one quantum of zeros;
 * PulseAudio: the null sink works in blocks of up to 2 s, so compare the
 * content of a capture after its first second).
 *
 * <p>Stopping a server is not part of this interface: it belongs to whoever
 * started it ({@link PulseServer#close()}, {@link PipeWireServer#close()}, or the
 * extensions for the shared ones). That is also why this interface is not
 * {@link AutoCloseable}: JUnit closes {@code AutoCloseable} arguments of a
 * parameterized test after each invocation, and {@link AudioServers} hands out
 * the shared servers, which must survive until the end of the run.
 *
 * <p>Thread-safety: implementations may be called from any thread. Failures are
 * unchecked ({@link IllegalStateException}, or {@link java.io.UncheckedIOException}
 * for I/O) so that tests need no {@code throws}.
 */
public interface AudioServer {

    /** Which server program serves the PulseAudio protocol. */
    enum Kind {
        /** The {@code pulseaudio} daemon. */
        PULSEAUDIO,
        /** PipeWire, through {@code pipewire-pulse}. */
        PIPEWIRE
    }

    /** Which server this is. */
    Kind kind();

    /** The address clients connect to: {@code unix:<runtimeDir>/pulse/native}. */
    String address();

    /** The server's {@code XDG_RUNTIME_DIR}. */
    Path runtimeDir();

    /**
     * Environment variables that point a child process (a demo, {@code parec},
     * {@code arecord} through ALSA's pulse plugin, ...) at this server.
     */
    Map<String, String> clientEnvironment();

    /** The null sink players write into (the default sink). */
    String sinkName();

    /** The loopback source of {@link #sinkName()}: what players play comes out here. */
    String monitorOfSink();

    /** The fake microphone: a steady sine of {@link #sineFrequencyHz()} Hz (the default source). */
    String sineSourceName();

    /** Frequency of {@link #sineSourceName()}, in Hz. */
    default int sineFrequencyHz() {
        return PulseServer.SINE_FREQUENCY_HZ;
    }

    /** Sample rate of the sink, the sine and the players, in Hz. */
    default int sampleRate() {
        return PulseServer.SAMPLE_RATE;
    }

    /**
     * Runs {@code pactl -s <address> args...} and returns its standard output.
     *
     * @throws IllegalStateException with pactl's standard error if it exits
     *     non-zero or does not finish within 10 s
     */
    String pactl(String... args);

    /** Plays a sine of {@code hz} into {@link #sinkName()} until the player is closed. */
    PulseServer.Player playTone(double hz);

    /**
     * Plays a sine of {@code hz} at half of full scale (RMS 0.354) into
     * {@code sink}, as 48 kHz stereo s16le through {@code pacat} with 20 ms of
     * latency, until the returned player is closed or the server goes away.
     */
    PulseServer.Player playTone(String sink, double hz);

    /**
     * Loads another null sink (48 kHz stereo) named {@code name} and returns its
     * module index for {@link #unloadModule(int)}. Its loopback source is
     * {@code name + ".monitor"}. Not restored by {@link #restart()}.
     */
    int loadNullSink(String name);

    /** Unloads a module, e.g. a sink from {@link #loadNullSink(String)}: its streams lose their device. */
    void unloadModule(int index);

    /** Whether the server's processes are alive (false after {@link #kill()}). */
    boolean isRunning();

    /**
     * Kills the server with SIGKILL and waits until it is gone, so that clients
     * see it vanish without a goodbye. {@link #restart()} brings it back.
     */
    void kill();

    /**
     * Starts the server again at the same address with the same fixtures
     * (killing it first if it still runs), and waits until it answers. Clients
     * must reconnect; sinks from {@link #loadNullSink(String)} are gone.
     */
    void restart();
}
