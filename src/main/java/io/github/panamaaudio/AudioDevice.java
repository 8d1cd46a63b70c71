package io.github.panamaaudio;

import java.util.Objects;
import java.util.Optional;

/**
 * An audio device as the backend lists it: an {@link Direction#INPUT input} (a
 * microphone, a line input) or an {@link Direction#OUTPUT output} (speakers,
 * headphones, a virtual sink). Capturing an output captures its loopback: what the
 * system plays to it. How a backend does that (a PulseAudio monitor source, a WASAPI
 * loopback client) is the backend's business.
 *
 * <p>Thread-safety: immutable, safe to share.
 */
public final class AudioDevice {

    /** Whether a device records or plays. */
    public enum Direction {
        /** A capture device: a microphone, a line input. */
        INPUT,
        /** A playback device; capturing it is its loopback. */
        OUTPUT
    }

    private final String id;
    private final String description;
    private final Direction direction;
    private final boolean isDefault;
    private final SampleFormat nativeFormat;
    private final int sampleRate;
    private final int channels;

    /**
     * A device as a backend lists it; the backends create these.
     *
     * @param id           the backend's stable id; pass it to {@link StreamConfig.Source#device(String)}
     * @param description  a human-readable description
     * @param direction    input or output
     * @param isDefault    whether this is the default device of its direction
     * @param nativeFormat the device's own sample format, or {@code null} if it is none of {@link SampleFormat}
     * @param sampleRate   the device's own rate in Hz (streams may ask for another)
     * @param channels     the device's own channel count
     * @throws NullPointerException if {@code id}, {@code description} or {@code direction} is null
     */
    public AudioDevice(String id, String description, Direction direction, boolean isDefault,
                       SampleFormat nativeFormat, int sampleRate, int channels) {
        this.id = Objects.requireNonNull(id, "id");
        this.description = Objects.requireNonNull(description, "description");
        this.direction = Objects.requireNonNull(direction, "direction");
        this.isDefault = isDefault;
        this.nativeFormat = nativeFormat;
        this.sampleRate = sampleRate;
        this.channels = channels;
    }

    /** {@return the backend's stable id of the device} (For PulseAudio: the sink or source name.) */
    public String id() {
        return id;
    }

    /** {@return a human-readable description} */
    public String description() {
        return description;
    }

    /** {@return input or output} */
    public Direction direction() {
        return direction;
    }

    /** {@return whether this is the default device of its {@link #direction()}} */
    public boolean isDefault() {
        return isDefault;
    }

    /**
     * {@return the device's own sample format, if it is one of {@link SampleFormat}}
     * (Empty when the device's format is none of these, and for the tone backend, which
     * produces any.)
     */
    public Optional<SampleFormat> nativeFormat() {
        return Optional.ofNullable(nativeFormat);
    }

    /** {@return the device's own rate in Hz} (Streams may ask for another.) */
    public int sampleRate() {
        return sampleRate;
    }

    /** {@return the device's own channel count} */
    public int channels() {
        return channels;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AudioDevice d && id.equals(d.id) && description.equals(d.description)
                && direction == d.direction && isDefault == d.isDefault && nativeFormat == d.nativeFormat
                && sampleRate == d.sampleRate && channels == d.channels;
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, description, direction, isDefault, nativeFormat, sampleRate, channels);
    }

    @Override
    public String toString() {
        return "AudioDevice[" + direction + " " + id + (isDefault ? " (default)" : "") + ", \"" + description
                + "\", " + (nativeFormat == null ? "" : nativeFormat + " ") + sampleRate + " Hz, " + channels + " ch]";
    }
}
