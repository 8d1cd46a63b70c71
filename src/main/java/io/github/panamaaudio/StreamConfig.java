package io.github.panamaaudio;

import java.time.Duration;
import java.util.Objects;

/**
 * What a stream captures and how: source, sample format, rate, channels, packet
 * duration and pool sizing. Built with {@link #builder()}; every setter validates
 * at once and throws {@link IllegalArgumentException} naming the field, the value
 * and the allowed range, before anything in C is touched.
 *
 * <p>Thread-safety: instances are immutable and safe to share; a {@link Builder}
 * is not thread-safe.
 */
public final class StreamConfig {

    /** Allowed sample rates, in Hz. */
    public static final int MIN_SAMPLE_RATE = 8_000, MAX_SAMPLE_RATE = 384_000;
    /** Allowed channel counts. */
    public static final int MIN_CHANNELS = 1, MAX_CHANNELS = 32;
    /** Allowed packet durations, in milliseconds. */
    public static final int MIN_PACKET_MILLIS = 1, MAX_PACKET_MILLIS = 1000;
    /** Allowed server-side buffer for a slow reader, in milliseconds. */
    public static final int MIN_BUFFER_MILLIS = 10, MAX_BUFFER_MILLIS = 60_000;
    /** Upper bound of {@link Builder#maxSegments(int)}. */
    public static final int MAX_SEGMENTS_LIMIT = 65_536;
    /** Longest device name accepted, in UTF-16 chars. */
    public static final int MAX_DEVICE_NAME_LENGTH = 1024;

    /** Longest application name accepted, in UTF-16 chars. */
    public static final int MAX_APPLICATION_NAME_LENGTH = 255;
    /** Largest process id accepted by {@link Source#application(long)}. */
    public static final long MAX_PROCESS_ID = 0xFFFF_FFFFL;

    /**
     * What a stream captures. The words are the backend's neutral ones: an input, an
     * output (captured as its loopback: what the system plays to it), an application.
     *
     * <p>Follow or fail, never substitute: a stream on a <em>default</em> device
     * follows the default when it changes or goes away (the first packet after the
     * switch is flagged {@link AudioPacket#isRouteChanged()}); a stream on an
     * <em>explicit</em> device never moves and ends with
     * {@link AudioException.Kind#DEVICE_LOST} when the device goes away. An output's
     * loopback is never replaced by an input: with no output at all, a stream on the
     * default output's loopback delivers {@linkplain AudioPacket#isSilent() silent}
     * packets on the real-time clock until one appears. A default input that is an
     * output's loopback (PulseAudio picks one when no input is left) counts as none.
     *
     * <p>Applications: an {@link Kind#APPLICATION_PROCESS} or {@link Kind#APPLICATION_NAME}
     * source captures every playback stream of the application, now and later, mixed,
     * without touching them; silent packets on the real-time clock while none plays. A
     * process id that does not exist is {@code DEVICE_NOT_FOUND}; the tone backend has
     * no applications ({@code DEVICE_NOT_FOUND}).
     *
     * <p>Thread-safety: an immutable record.
     *
     * @param kind        what to capture
     * @param deviceId    the device id for {@link Kind#DEVICE}, else null
     * @param processId   the process id for {@link Kind#APPLICATION_PROCESS}, else 0
     * @param application the application name or binary for {@link Kind#APPLICATION_NAME}, else null
     */
    public record Source(Kind kind, String deviceId, long processId, String application) {
        /** How the source is chosen. */
        public enum Kind {
            /** The default input (usually a microphone); follows it when it changes. */
            DEFAULT_INPUT,
            /** The loopback of the default output: what the system plays; follows the default output. */
            DEFAULT_OUTPUT,
            /** One device by id (an input, or an output's loopback); never moves. */
            DEVICE,
            /** Every playback stream of one process, mixed; nothing else. */
            APPLICATION_PROCESS,
            /** Every playback stream of any process with this application name or binary, mixed. */
            APPLICATION_NAME
        }

        /**
         * Checks that the components fit the kind: the one that {@code kind} uses is
         * valid, the others are null or 0.
         *
         * @throws IllegalArgumentException naming the component that does not fit: a
         *         device id of 1..{@value StreamConfig#MAX_DEVICE_NAME_LENGTH} printable
         *         characters, an application name of
         *         1..{@value StreamConfig#MAX_APPLICATION_NAME_LENGTH}, a process id of
         *         1..{@value StreamConfig#MAX_PROCESS_ID}
         * @throws NullPointerException if {@code kind} is null
         */
        public Source {
            Objects.requireNonNull(kind, "kind");
            switch (kind) {
                case DEVICE -> checkText("source.deviceId", deviceId, MAX_DEVICE_NAME_LENGTH);
                case APPLICATION_NAME -> checkText("source.application", application, MAX_APPLICATION_NAME_LENGTH);
                case APPLICATION_PROCESS -> {
                    if (processId < 1 || processId > MAX_PROCESS_ID) {
                        throw new IllegalArgumentException("source.processId = " + processId
                                + " is outside the allowed range 1.." + MAX_PROCESS_ID);
                    }
                }
                default -> { }
            }
            if (kind != Kind.DEVICE && deviceId != null) {
                throw new IllegalArgumentException("source.deviceId must be null unless kind is DEVICE");
            }
            if (kind != Kind.APPLICATION_NAME && application != null) {
                throw new IllegalArgumentException("source.application must be null unless kind is APPLICATION_NAME");
            }
            if (kind != Kind.APPLICATION_PROCESS && processId != 0) {
                throw new IllegalArgumentException("source.processId must be 0 unless kind is APPLICATION_PROCESS");
            }
        }

        /** {@return the default input; the stream follows it} */
        public static Source defaultInput() {
            return new Source(Kind.DEFAULT_INPUT, null, 0, null);
        }

        /** {@return the loopback of the default output (the system's own audio); the stream follows it, never becomes an input} */
        public static Source defaultOutput() {
            return new Source(Kind.DEFAULT_OUTPUT, null, 0, null);
        }

        /**
         * A device by its {@link AudioDevice#id()}: an input, or an output (its loopback). Never moves.
         *
         * @param id the device's id
         * @return the source
         * @throws IllegalArgumentException if {@code id} is null, empty, longer than
         *         {@value StreamConfig#MAX_DEVICE_NAME_LENGTH} chars, or has a control
         *         character or an unpaired surrogate
         */
        public static Source device(String id) {
            return new Source(Kind.DEVICE, id, 0, null);
        }

        /**
         * The device as listed by {@link AudioCapture#devices()}; shorthand for {@code device(device.id())}.
         *
         * @param device a listed device
         * @return the source
         * @throws NullPointerException if {@code device} is null
         */
        public static Source device(AudioDevice device) {
            return device(Objects.requireNonNull(device, "device").id());
        }

        /**
         * What one process plays: all its streams, now and later, mixed; nothing of others.
         *
         * @param processId the process id, 1..{@value StreamConfig#MAX_PROCESS_ID}
         * @return the source
         * @throws IllegalArgumentException if {@code processId} is outside that range
         */
        public static Source application(long processId) {
            return new Source(Kind.APPLICATION_PROCESS, null, processId, null);
        }

        /**
         * What every process whose application name or binary equals {@code nameOrBinary}
         * plays, now and later (a restart is followed). Not playing yet: the stream waits,
         * delivering silent packets on the real-time clock.
         *
         * @param nameOrBinary the application name or executable name,
         *                     1..{@value StreamConfig#MAX_APPLICATION_NAME_LENGTH} printable chars
         * @return the source
         * @throws IllegalArgumentException if {@code nameOrBinary} is null, empty, too long, or has a
         *         control character or an unpaired surrogate
         */
        public static Source application(String nameOrBinary) {
            return new Source(Kind.APPLICATION_NAME, null, 0, nameOrBinary);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case DEFAULT_INPUT -> "the default input";
                case DEFAULT_OUTPUT -> "the default output's loopback";
                case DEVICE -> "device '" + deviceId + "'";
                case APPLICATION_PROCESS -> "application process " + processId;
                case APPLICATION_NAME -> "application '" + application + "'";
            };
        }
    }

    private final Source source;
    private final SampleFormat format;
    private final int sampleRate;
    private final int channels;
    private final Duration packetDuration;
    private final int packetFrames;
    private final Duration bufferDuration;
    private final int initialSegments;
    private final int maxSegments;
    private final String name;
    private final boolean checked;

    private StreamConfig(Builder b) {
        this.source = b.source;
        this.format = b.format;
        this.sampleRate = b.sampleRate;
        this.channels = b.channels;
        this.packetDuration = b.packetDuration;
        this.packetFrames = (int) Math.max(1, Math.round(b.sampleRate * (b.packetDuration.toNanos() / 1e9)));
        this.bufferDuration = b.bufferDuration;
        this.initialSegments = b.initialSegments;
        this.maxSegments = b.maxSegments;
        this.name = b.name;
        this.checked = b.checked;
    }

    /** {@return a builder with the defaults: the default input, S16LE, 48 000 Hz, 2 channels, 10 ms packets} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from this configuration} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@return what the stream captures} */
    public Source source() { return source; }
    /** {@return the sample format of the packets} */
    public SampleFormat format() { return format; }
    /** {@return the sample rate in Hz} */
    public int sampleRate() { return sampleRate; }
    /** {@return the channels interleaved in each packet} */
    public int channels() { return channels; }
    /** {@return the audio per packet, as configured} ({@link #packetFrames()} is what a packet holds.) */
    public Duration packetDuration() { return packetDuration; }
    /** {@return the frames in each packet: {@code round(sampleRate × packetDuration)}, at least 1} */
    public int packetFrames() { return packetFrames; }
    /** {@return the bytes in one frame (all channels of one sample instant)} */
    public int frameBytes() { return channels * format.bytesPerSample(); }
    /** {@return the bytes in each packet} */
    public int packetBytes() { return packetFrames * frameBytes(); }
    /** {@return how much audio the server keeps for a reader that falls behind before it drops data} */
    public Duration bufferDuration() { return bufferDuration; }
    /** {@return the segments the stream's pool allocates up front} */
    public int initialSegments() { return initialSegments; }
    /** {@return the most segments the stream's pool may hold: the most packets open at once} */
    public int maxSegments() { return maxSegments; }
    /** {@return a low-cardinality label for logs and metrics, chosen by the user} */
    public String name() { return name; }
    /**
     * Whether packets are checked against use after {@link AudioPacket#close()}:
     * reading a closed packet's segment then throws {@link IllegalStateException}
     * instead of reading recycled memory. For tests and debugging: each packet gets
     * its own shared arena, and closing one makes the JVM handshake every thread —
     * benchmarks/RESULTS.md measured tens of microseconds per packet.
     *
     * @return whether checked mode is on
     */
    public boolean checked() { return checked; }

    @Override
    public String toString() {
        return "StreamConfig[" + source + ", " + format + ", " + sampleRate + " Hz, " + channels + " ch, "
                + packetDuration.toMillis() + " ms packets (" + packetFrames + " frames), buffer "
                + bufferDuration.toMillis() + " ms, segments " + initialSegments + ".." + maxSegments
                + ", name=" + name + (checked ? ", checked" : "") + "]";
    }

    static void checkText(String field, String name, int maxLength) {
        if (name == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        if (name.isEmpty() || name.length() > maxLength) {
            throw new IllegalArgumentException(field + " has length " + name.length()
                    + ", allowed 1.." + maxLength);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException(field + " contains control character U+"
                        + String.format("%04X", (int) c) + " at index " + i
                        + "; allowed: printable characters");
            }
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < name.length()
                        && Character.isLowSurrogate(name.charAt(i + 1));
                if (!paired) {
                    throw new IllegalArgumentException(field + " contains an unpaired surrogate at index "
                            + i + "; allowed: valid Unicode (it is sent as UTF-8)");
                }
                i++;
            }
        }
    }

    private static int checkRange(String field, long value, long min, long max, String unit) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " = " + value + unit + " is outside the allowed range "
                    + min + ".." + max + unit);
        }
        return (int) value;
    }

    private static Duration checkMillis(String field, Duration d, int min, int max) {
        Objects.requireNonNull(d, field);
        if (d.isNegative() || d.compareTo(Duration.ofMillis(min)) < 0 || d.compareTo(Duration.ofMillis(max)) > 0) {
            throw new IllegalArgumentException(field + " = " + (d.getSeconds() * 1e3 + d.getNano() / 1e6) + " ms is outside the allowed range "
                    + min + ".." + max + " ms");
        }
        return d;
    }

    /**
     * Builds a {@link StreamConfig}. Each setter validates its argument at once.
     *
     * <p>Thread-safety: not thread-safe; confine a builder to one thread.
     */
    public static final class Builder {
        private Source source = Source.defaultInput();
        private SampleFormat format = SampleFormat.S16LE;
        private int sampleRate = 48_000;
        private int channels = 2;
        private Duration packetDuration = Duration.ofMillis(10);
        private Duration bufferDuration = Duration.ofMillis(4000);
        private int initialSegments = 16;
        private int maxSegments = 256;
        private String name = "capture";
        private boolean checked;

        private Builder() {
        }

        private Builder(StreamConfig c) {
            source = c.source;
            format = c.format;
            sampleRate = c.sampleRate;
            channels = c.channels;
            packetDuration = c.packetDuration;
            bufferDuration = c.bufferDuration;
            initialSegments = c.initialSegments;
            maxSegments = c.maxSegments;
            name = c.name;
            checked = c.checked;
        }

        /**
         * What to capture (default: {@link Source#defaultInput()}).
         *
         * @param source the source
         * @return this builder
         */
        public Builder source(Source source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /**
         * Shorthand for {@code source(Source.device(id))}.
         *
         * @param id the device's {@link AudioDevice#id()}
         * @return this builder
         * @throws IllegalArgumentException as {@link Source#device(String)}
         */
        public Builder device(String id) {
            return source(Source.device(id));
        }

        /**
         * The sample format of the packets (default {@link SampleFormat#S16LE}).
         *
         * @param format the format
         * @return this builder
         */
        public Builder format(SampleFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /**
         * The sample rate (default 48 000 Hz).
         *
         * @param hz {@value #MIN_SAMPLE_RATE}..{@value #MAX_SAMPLE_RATE}
         * @return this builder
         * @throws IllegalArgumentException if {@code hz} is outside that range
         */
        public Builder sampleRate(int hz) {
            this.sampleRate = checkRange("sampleRate", hz, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, " Hz");
            return this;
        }

        /**
         * The channel count (default 2).
         *
         * @param channels {@value #MIN_CHANNELS}..{@value #MAX_CHANNELS}
         * @return this builder
         * @throws IllegalArgumentException if {@code channels} is outside that range
         */
        public Builder channels(int channels) {
            this.channels = checkRange("channels", channels, MIN_CHANNELS, MAX_CHANNELS, "");
            return this;
        }

        /**
         * Audio per packet (default 10 ms).
         *
         * @param d {@value #MIN_PACKET_MILLIS}..{@value #MAX_PACKET_MILLIS} ms
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is outside that range
         */
        public Builder packetDuration(Duration d) {
            this.packetDuration = checkMillis("packetDuration", d, MIN_PACKET_MILLIS, MAX_PACKET_MILLIS);
            return this;
        }

        /**
         * Audio the server keeps for a reader that falls behind,
         * {@value #MIN_BUFFER_MILLIS}..{@value #MAX_BUFFER_MILLIS} ms (default 4 s: more than the 2 s blocks some servers deliver at once);
         * beyond it the oldest data is dropped and the next packet is flagged.
         *
         * @param d {@value #MIN_BUFFER_MILLIS}..{@value #MAX_BUFFER_MILLIS} ms
         * @return this builder
         * @throws IllegalArgumentException if {@code d} is outside that range
         */
        public Builder bufferDuration(Duration d) {
            this.bufferDuration = checkMillis("bufferDuration", d, MIN_BUFFER_MILLIS, MAX_BUFFER_MILLIS);
            return this;
        }

        /**
         * Segments allocated up front, 1..maxSegments (default 16).
         *
         * @param n 1..{@value #MAX_SEGMENTS_LIMIT} here; {@link #build()} checks it against {@link #maxSegments(int)}
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is outside 1..{@value #MAX_SEGMENTS_LIMIT}
         */
        public Builder initialSegments(int n) {
            this.initialSegments = checkRange("initialSegments", n, 1, MAX_SEGMENTS_LIMIT, "");
            return this;
        }

        /**
         * Most segments the pool may hold, 1..{@value #MAX_SEGMENTS_LIMIT} (default 256):
         * that many packets can be held open at once; beyond it {@code next()} waits
         * for one to be closed.
         *
         * @param n 1..{@value #MAX_SEGMENTS_LIMIT}
         * @return this builder
         * @throws IllegalArgumentException if {@code n} is outside that range
         */
        public Builder maxSegments(int n) {
            this.maxSegments = checkRange("maxSegments", n, 1, MAX_SEGMENTS_LIMIT, "");
            return this;
        }

        /**
         * A label for logs and metrics (default "capture").
         *
         * @param name 1..64 of {@code [A-Za-z0-9._-]}
         * @return this builder
         * @throws IllegalArgumentException if {@code name} is not such a label
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || name.length() > 64 || !name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("name = \"" + name
                        + "\" is not allowed: 1..64 characters of A-Z a-z 0-9 . _ -");
            }
            this.name = name;
            return this;
        }

        /**
         * Check use after close of packets (see {@link StreamConfig#checked()}; default off).
         *
         * @param checked whether to check
         * @return this builder
         */
        public Builder checked(boolean checked) {
            this.checked = checked;
            return this;
        }

        /**
         * Checks the fields against each other and builds.
         *
         * @return the configuration
         * @throws IllegalArgumentException if {@code initialSegments} exceeds {@code maxSegments}
         */
        public StreamConfig build() {
            if (initialSegments > maxSegments) {
                throw new IllegalArgumentException("initialSegments = " + initialSegments
                        + " is outside the allowed range 1..maxSegments (" + maxSegments + ")");
            }
            return new StreamConfig(this);
        }
    }
}
