package io.github.panamaaudio.cli;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.SampleFormat;
import io.github.panamaaudio.StreamConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The options every capturing command shares: which device, sample format, rate,
 * channels, packet size, backend and server. {@link #toConfig(String)} validates
 * them all through {@link StreamConfig.Builder} before anything in C is touched,
 * and names the offending option in the {@link IllegalArgumentException}.
 *
 * <p>Thread-safety: filled by picocli, then read by one command thread.
 */
final class StreamOptions {

    @Mixin
    BackendOptions backend = new BackendOptions();

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "Device (one of; default: --loopback):%n")
    DeviceChoice device;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "S16LE",
            description = "Sample format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    SampleFormat format;

    @Option(names = "--rate", paramLabel = "HZ", defaultValue = "48000",
            description = "Sample rate in Hz, 8000..384000 (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--channels", paramLabel = "N", defaultValue = "2",
            description = "Channels, 1..32 (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--packet-ms", paramLabel = "MS", defaultValue = "10",
            description = "Audio per packet in milliseconds, 1..1000 (default: ${DEFAULT-VALUE}).")
    int packetMillis;

    /** Mutually exclusive device selectors. */
    static final class DeviceChoice {
        @Option(names = "--device", paramLabel = "NAME",
                description = "A source by name, as `devices` lists it (a sink's loopback is <sink>.monitor).")
        String name;

        @Option(names = "--default-source", description = "The server's default source (usually a microphone).")
        boolean defaultSource;

        @Option(names = "--loopback",
                description = "The default sink's monitor: everything the system plays (the default).")
        boolean loopback;
    }

    /** The device selector the options name. */
    StreamConfig.Device deviceSelector() {
        if (device != null && device.name != null) {
            return checked("--device", device.name, () -> StreamConfig.Source.device(device.name));
        }
        if (device != null && device.defaultSource) {
            return StreamConfig.Source.defaultInput();
        }
        return StreamConfig.Source.defaultOutput();
    }

    /** A short description of the chosen device for messages. */
    String deviceLabel() {
        StreamConfig.Device d = deviceSelector();
        return switch (d.kind()) {
            case NAMED -> d.name();
            case DEFAULT_SOURCE -> "the default source";
            case DEFAULT_SINK_MONITOR -> "the default sink's monitor (system audio)";
        };
    }

    /**
     * Validates every option and builds the configuration.
     *
     * @param name the stream's label for logs and metrics
     * @throws IllegalArgumentException naming the option, its value and the allowed range
     */
    StreamConfig toConfig(String name) {
        StreamConfig.Builder b = StreamConfig.builder().name(name);
        b.device(deviceSelector());
        b.format(format);
        set("--rate", rate, b::sampleRate);
        set("--channels", channels, b::channels);
        set("--packet-ms", packetMillis, ms -> b.packetDuration(Duration.ofMillis(ms)));
        return b.build();
    }

    /**
     * Opens the stream; a device that does not exist is reported with the option
     * that named it.
     */
    static io.github.panamaaudio.AudioStream openStream(AudioCapture capture, StreamConfig config)
            throws AudioException {
        try {
            return capture.openStream(config);
        } catch (AudioException e) {
            if (e.kind() == AudioException.Kind.DEVICE_NOT_FOUND
                    && config.device().kind() == StreamConfig.Device.Kind.NAMED) {
                throw new AudioException(e.kind(), "--device " + config.device().name() + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    private static void set(String option, int value, Consumer<Integer> setter) {
        checked(option, value, () -> {
            setter.accept(value);
            return null;
        });
    }

    static <T> T checked(String option, Object value, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + value + ": " + e.getMessage(), e);
        }
    }

    /** --backend and --server, shared by every command that talks to an audio server. */
    static final class BackendOptions {
        @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
                completionCandidates = BackendNames.class,
                description = "Capture backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}). "
                        + "auto = PulseAudio (or PipeWire's pulse server); tone = a synthetic 440 Hz sine.")
        String name;

        @Option(names = "--server", paramLabel = "ADDR",
                description = "PulseAudio server address, e.g. unix:/run/user/1000/pulse/native "
                        + "(default: libpulse's choice, i.e. $PULSE_SERVER or the user's runtime directory).")
        String server;

        /** Validates --backend and --server without connecting. */
        AudioCapture.Builder builder() {
            AudioCapture.Builder b = AudioCapture.builder().applicationName("panama-audio-capture-cli");
            checked("--backend", name, () -> b.backend(name));
            if (server != null) {
                checked("--server", server, () -> b.server(server));
            }
            return b;
        }
    }

    /** The names --backend accepts, for help and shell completion. */
    static final class BackendNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("auto", "pulse", "tone").iterator();
        }
    }
}
