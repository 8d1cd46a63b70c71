package io.github.panamaaudio;

import java.util.Objects;

/**
 * A capture source as the backend lists it: a microphone, a line input, or the
 * monitor (loopback) of an output.
 *
 * <p>Thread-safety: an immutable record.
 *
 * @param name                 the backend's name; pass it to {@link StreamConfig.Device#named(String)}
 * @param description          a human-readable description
 * @param monitor              whether this source is the loopback of a sink (output)
 * @param defaultSource        whether this is the server's default source
 * @param monitorOfDefaultSink whether this is the loopback of the default sink (the system's audio)
 * @param sampleRate           the device's own rate in Hz (streams may ask for another)
 * @param channels             the device's own channel count
 */
public record AudioDevice(String name, String description, boolean monitor, boolean defaultSource,
                          boolean monitorOfDefaultSink, int sampleRate, int channels) {
    public AudioDevice {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
    }
}
