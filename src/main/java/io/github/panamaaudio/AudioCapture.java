package io.github.panamaaudio;

import io.github.panamaaudio.internal.Backend;
import io.github.panamaaudio.internal.Backends;
import io.github.panamaaudio.internal.NativeStream;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The entry point: picks a backend, lists capture devices and opens streams.
 *
 * <pre>{@code
 * try (AudioCapture capture = AudioCapture.open();
 *      AudioStream stream = capture.openStream(StreamConfig.builder()
 *              .device(StreamConfig.Device.defaultSinkMonitor()).build())) {
 *     try (AudioPacket packet = stream.next()) {
 *         channel.write(packet.segment().asByteBuffer());
 *     }
 * }
 * }</pre>
 *
 * <p>Backends: {@code "auto"} (the default) uses PulseAudio — which PipeWire also
 * serves — when a server answers; {@code "pulse"} insists on it; {@code "tone"} is
 * a synthetic source that needs nothing (tests, demos, benchmarks).
 *
 * <p>Thread-safety: thread-safe. Streams may be opened and closed from any thread;
 * {@link #close()} closes every stream still open and is idempotent. The capture
 * holds its streams' resources, not the {@link AudioStream} objects, so a stream
 * dropped without {@code close()} is still found and closed by the garbage collector
 * ({@link #reclaimedStreams()}).
 */
public final class AudioCapture implements AutoCloseable {

    /** System property: the PulseAudio server address used when the builder names none. */
    public static final String SERVER_PROPERTY = "panamaaudio.pulse.server";

    private final Backend backend;
    private final Set<StreamCore> streams = ConcurrentHashMap.newKeySet();
    private final LongAdder reclaimedStreams = new LongAdder();
    private volatile boolean closed;

    private AudioCapture(Backend backend) {
        this.backend = backend;
    }

    /** Opens with the default settings: backend "auto", libpulse's default server. */
    public static AudioCapture open() throws AudioException {
        return builder().open();
    }

    /** A builder for the backend, server address, client name and connect timeout. */
    public static Builder builder() {
        return new Builder();
    }

    /** The backend in use: "pulse" or "tone". */
    public String backend() {
        return backend.name();
    }

    /** The capture sources available now, monitors (loopbacks of outputs) included. */
    public List<AudioDevice> devices() throws AudioException {
        ensureOpen();
        return backend.devices();
    }

    /**
     * Opens a stream; it starts capturing at once. Close it (or this capture) when done.
     *
     * @throws AudioException {@code DEVICE_NOT_FOUND}, {@code FORMAT_UNSUPPORTED},
     *                        {@code BACKEND_UNAVAILABLE} or {@code CLOSED}
     */
    public AudioStream openStream(StreamConfig config) throws AudioException {
        Objects.requireNonNull(config, "config");
        ensureOpen();
        NativeStream nativeStream = backend.open(config);
        StreamCore[] core = new StreamCore[1];
        core[0] = new StreamCore(config, nativeStream, () -> streams.remove(core[0]), reclaimedStreams::increment);
        AudioStream stream = core[0].newHandle();
        streams.add(core[0]);
        if (closed) { // close() ran concurrently and may have missed this stream
            stream.close();
            throw new AudioException(AudioException.Kind.CLOSED, "the AudioCapture is closed");
        }
        return stream;
    }

    /** Streams opened by this capture and not yet closed. */
    public List<AudioStream> openStreams() {
        List<AudioStream> open = new ArrayList<>();
        for (StreamCore core : streams) {
            AudioStream handle = core.handle();
            if (handle != null && !handle.isClosed()) {
                open.add(handle);
            }
        }
        return List.copyOf(open);
    }

    /**
     * Streams of this capture that were garbage-collected without {@link AudioStream#close()}
     * and closed by the library then (each also logged as a WARNING naming it). Each one is a
     * bug in the caller: it kept a server stream running until the collector found it.
     */
    public long reclaimedStreams() {
        return reclaimedStreams.sum();
    }

    private void ensureOpen() throws AudioException {
        if (closed) {
            throw new AudioException(AudioException.Kind.CLOSED, "the AudioCapture is closed");
        }
    }

    /**
     * Closes every stream still open, each one even if closing another failed; idempotent.
     *
     * @throws RuntimeException the first failure, with every later one
     *                          {@linkplain Throwable#addSuppressed suppressed} in it, after all
     *                          streams were closed (stream closes do not fail by design)
     */
    @Override
    public void close() {
        closed = true;
        RuntimeException failure = null;
        for (StreamCore s : List.copyOf(streams)) {
            try {
                AudioStream handle = s.handle();
                if (handle != null) {
                    handle.close();
                } else {
                    s.close();
                }
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Configures an {@link AudioCapture}.
     *
     * <p>Thread-safety: not thread-safe; confine a builder to one thread.
     */
    public static final class Builder {
        private String backend = "auto";
        private String server = System.getProperty(SERVER_PROPERTY);
        private String applicationName = "panama-audio-capture";
        private Duration timeout = Duration.ofSeconds(5);

        private Builder() {
        }

        /** "auto" (default), "pulse" or "tone". */
        public Builder backend(String backend) {
            Objects.requireNonNull(backend, "backend");
            this.backend = Backends.checkName(backend);
            return this;
        }

        /**
         * The PulseAudio server address, e.g. {@code unix:/run/user/1000/pulse/native};
         * {@code null} lets libpulse choose ({@code PULSE_SERVER}, then the user's runtime directory).
         */
        public Builder server(String server) {
            if (server != null && (server.isBlank() || server.indexOf('\0') >= 0)) {
                throw new IllegalArgumentException("server = \"" + server
                        + "\" is not allowed: a non-blank address without NUL characters, or null");
            }
            this.server = server;
            return this;
        }

        /** The client name the audio server shows, 1..128 characters without control characters. */
        public Builder applicationName(String name) {
            Objects.requireNonNull(name, "applicationName");
            if (name.isEmpty() || name.length() > 128 || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("applicationName = \"" + name
                        + "\" is not allowed: 1..128 characters without control characters");
            }
            this.applicationName = name;
            return this;
        }

        /** How long to wait for the audio server when connecting and opening streams, 1 ms..5 min. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("timeout = " + timeout
                        + " is outside the allowed range PT0.001S..PT5M");
            }
            this.timeout = timeout;
            return this;
        }

        /** Loads the C shim if needed, picks the backend and returns the capture. */
        public AudioCapture open() throws AudioException {
            return new AudioCapture(Backends.select(backend, server, applicationName, timeout));
        }
    }
}
