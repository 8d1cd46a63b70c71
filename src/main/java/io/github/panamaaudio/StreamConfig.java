package io.github.panamaaudio;

import java.time.Duration;
import java.util.Objects;

/**
 * What a stream captures and how: device, sample format, rate, channels, packet
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

    /**
     * Which device a stream captures.
     *
     * <p>Thread-safety: an immutable record.
     *
     * @param kind what to capture
     * @param name the source name for {@link Kind#NAMED}, otherwise {@code null}
     */
    public record Device(Kind kind, String name) {
        /** How the device is chosen. */
        public enum Kind {
            /** The server's default source (usually a microphone). */
            DEFAULT_SOURCE,
            /** The monitor of the server's default sink: everything the system plays (loopback). */
            DEFAULT_SINK_MONITOR,
            /** A source by its backend name, see {@link AudioCapture#devices()}. */
            NAMED
        }

        public Device {
            Objects.requireNonNull(kind, "kind");
            if (kind == Kind.NAMED) {
                checkDeviceName(name);
            } else if (name != null) {
                throw new IllegalArgumentException("device.name must be null unless kind is NAMED");
            }
        }

        /** The server's default source. */
        public static Device defaultSource() {
            return new Device(Kind.DEFAULT_SOURCE, null);
        }

        /** The loopback of the default sink: the system's own audio output. */
        public static Device defaultSinkMonitor() {
            return new Device(Kind.DEFAULT_SINK_MONITOR, null);
        }

        /** A source by its name; a sink's loopback is usually {@code "<sink>.monitor"}. */
        public static Device named(String name) {
            return new Device(Kind.NAMED, name);
        }
    }

    private final Device device;
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
    private final double toneFrequency;
    private final double toneAmplitude;
    private final boolean tonePattern;
    private final boolean tonePaced;

    private StreamConfig(Builder b) {
        this.device = b.device;
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
        this.toneFrequency = b.toneFrequency;
        this.toneAmplitude = b.toneAmplitude;
        this.tonePattern = b.tonePattern;
        this.tonePaced = b.tonePaced;
    }

    /** A builder with the defaults: default source, S16LE, 48 000 Hz, 2 channels, 10 ms packets. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    public Device device() { return device; }
    public SampleFormat format() { return format; }
    public int sampleRate() { return sampleRate; }
    public int channels() { return channels; }
    public Duration packetDuration() { return packetDuration; }
    /** Frames in each packet: {@code round(sampleRate × packetDuration)}, at least 1. */
    public int packetFrames() { return packetFrames; }
    /** Bytes in one frame (all channels of one sample instant). */
    public int frameBytes() { return channels * format.bytesPerSample(); }
    /** Bytes in each packet. */
    public int packetBytes() { return packetFrames * frameBytes(); }
    /** How much audio the server keeps for a reader that falls behind before it drops data. */
    public Duration bufferDuration() { return bufferDuration; }
    public int initialSegments() { return initialSegments; }
    public int maxSegments() { return maxSegments; }
    /** A low-cardinality label for logs and metrics, chosen by the user. */
    public String name() { return name; }
    /**
     * Whether packets are checked against use after {@link AudioPacket#close()}:
     * reading a closed packet's segment then throws {@link IllegalStateException}
     * instead of reading recycled memory. For tests and debugging: each packet gets
     * its own shared arena, and closing one makes the JVM handshake every thread —
     * benchmarks/RESULTS.md measured tens of microseconds per packet.
     */
    public boolean checked() { return checked; }
    /** The tone backend's sine frequency, in Hz. */
    public double toneFrequency() { return toneFrequency; }
    /** The tone backend's sine amplitude, 0..1 of full scale. */
    public double toneAmplitude() { return toneAmplitude; }
    /** Whether the tone backend delivers its test pattern (byte n of the stream = n mod 251) instead of a sine. */
    public boolean tonePattern() { return tonePattern; }
    /** Whether the tone backend paces packets in real time (otherwise as fast as they are read). */
    public boolean tonePaced() { return tonePaced; }

    @Override
    public String toString() {
        return "StreamConfig[" + device + ", " + format + ", " + sampleRate + " Hz, " + channels + " ch, "
                + packetDuration.toMillis() + " ms packets (" + packetFrames + " frames), buffer "
                + bufferDuration.toMillis() + " ms, segments " + initialSegments + ".." + maxSegments
                + ", name=" + name + (checked ? ", checked" : "") + "]";
    }

    static void checkDeviceName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("device.name must not be null");
        }
        if (name.isEmpty() || name.length() > MAX_DEVICE_NAME_LENGTH) {
            throw new IllegalArgumentException("device.name has length " + name.length()
                    + ", allowed 1.." + MAX_DEVICE_NAME_LENGTH);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException("device.name contains control character U+"
                        + String.format("%04X", (int) c) + " at index " + i
                        + "; allowed: printable characters");
            }
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < name.length()
                        && Character.isLowSurrogate(name.charAt(i + 1));
                if (!paired) {
                    throw new IllegalArgumentException("device.name contains an unpaired surrogate at index "
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
        private Device device = Device.defaultSource();
        private SampleFormat format = SampleFormat.S16LE;
        private int sampleRate = 48_000;
        private int channels = 2;
        private Duration packetDuration = Duration.ofMillis(10);
        private Duration bufferDuration = Duration.ofMillis(4000);
        private int initialSegments = 16;
        private int maxSegments = 256;
        private String name = "capture";
        private boolean checked;
        private double toneFrequency = 440.0;
        private double toneAmplitude = 0.5;
        private boolean tonePattern;
        private boolean tonePaced = true;

        private Builder() {
        }

        private Builder(StreamConfig c) {
            device = c.device;
            format = c.format;
            sampleRate = c.sampleRate;
            channels = c.channels;
            packetDuration = c.packetDuration;
            bufferDuration = c.bufferDuration;
            initialSegments = c.initialSegments;
            maxSegments = c.maxSegments;
            name = c.name;
            checked = c.checked;
            toneFrequency = c.toneFrequency;
            toneAmplitude = c.toneAmplitude;
            tonePattern = c.tonePattern;
            tonePaced = c.tonePaced;
        }

        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /** Shorthand for {@code device(Device.named(name))}. */
        public Builder device(String name) {
            return device(Device.named(name));
        }

        public Builder format(SampleFormat format) {
            this.format = Objects.requireNonNull(format, "format");
            return this;
        }

        /** Sample rate in Hz, {@value #MIN_SAMPLE_RATE}..{@value #MAX_SAMPLE_RATE}. */
        public Builder sampleRate(int hz) {
            this.sampleRate = checkRange("sampleRate", hz, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, " Hz");
            return this;
        }

        /** Channels, {@value #MIN_CHANNELS}..{@value #MAX_CHANNELS}. */
        public Builder channels(int channels) {
            this.channels = checkRange("channels", channels, MIN_CHANNELS, MAX_CHANNELS, "");
            return this;
        }

        /** Audio per packet, {@value #MIN_PACKET_MILLIS}..{@value #MAX_PACKET_MILLIS} ms (default 10 ms). */
        public Builder packetDuration(Duration d) {
            this.packetDuration = checkMillis("packetDuration", d, MIN_PACKET_MILLIS, MAX_PACKET_MILLIS);
            return this;
        }

        /**
         * Audio the server keeps for a reader that falls behind,
         * {@value #MIN_BUFFER_MILLIS}..{@value #MAX_BUFFER_MILLIS} ms (default 4 s: more than the 2 s blocks some servers deliver at once);
         * beyond it the oldest data is dropped and the next packet is flagged.
         */
        public Builder bufferDuration(Duration d) {
            this.bufferDuration = checkMillis("bufferDuration", d, MIN_BUFFER_MILLIS, MAX_BUFFER_MILLIS);
            return this;
        }

        /** Segments allocated up front, 1..maxSegments (default 16). */
        public Builder initialSegments(int n) {
            this.initialSegments = checkRange("initialSegments", n, 1, MAX_SEGMENTS_LIMIT, "");
            return this;
        }

        /**
         * Most segments the pool may hold, 1..{@value #MAX_SEGMENTS_LIMIT} (default 256):
         * that many packets can be held open at once; beyond it {@code next()} waits
         * for one to be closed.
         */
        public Builder maxSegments(int n) {
            this.maxSegments = checkRange("maxSegments", n, 1, MAX_SEGMENTS_LIMIT, "");
            return this;
        }

        /** A label for logs and metrics: 1..64 of {@code [A-Za-z0-9._-]} (default "capture"). */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || name.length() > 64 || !name.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("name = \"" + name
                        + "\" is not allowed: 1..64 characters of A-Z a-z 0-9 . _ -");
            }
            this.name = name;
            return this;
        }

        /** Check use after close of packets (see {@link StreamConfig#checked()}). */
        public Builder checked(boolean checked) {
            this.checked = checked;
            return this;
        }

        /** The tone backend's sine: frequency 0..sampleRate/2 Hz, amplitude 0..1. */
        public Builder tone(double frequencyHz, double amplitude) {
            if (!(frequencyHz >= 0 && frequencyHz <= MAX_SAMPLE_RATE / 2.0)) {
                throw new IllegalArgumentException("toneFrequency = " + frequencyHz
                        + " Hz is outside the allowed range 0..sampleRate/2 Hz");
            }
            if (!(amplitude >= 0 && amplitude <= 1)) {
                throw new IllegalArgumentException("toneAmplitude = " + amplitude
                        + " is outside the allowed range 0..1");
            }
            this.toneFrequency = frequencyHz;
            this.toneAmplitude = amplitude;
            this.tonePattern = false;
            return this;
        }

        /** The tone backend delivers its test pattern: byte n of the stream is n mod 251. */
        public Builder tonePattern() {
            this.tonePattern = true;
            return this;
        }

        /** Whether the tone backend paces packets in real time (default true). */
        public Builder tonePaced(boolean paced) {
            this.tonePaced = paced;
            return this;
        }

        /** Checks the fields against each other and builds. */
        public StreamConfig build() {
            if (initialSegments > maxSegments) {
                throw new IllegalArgumentException("initialSegments = " + initialSegments
                        + " is outside the allowed range 1..maxSegments (" + maxSegments + ")");
            }
            if (toneFrequency > sampleRate / 2.0) {
                throw new IllegalArgumentException("toneFrequency = " + toneFrequency
                        + " Hz is outside the allowed range 0.." + sampleRate / 2.0 + " Hz (half the sampleRate)");
            }
            return new StreamConfig(this);
        }
    }
}
