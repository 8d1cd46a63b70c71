package io.github.panamaaudio;

import java.util.Objects;
import java.util.Optional;

/**
 * Something changed in the backend's device graph: a device came or went, a default
 * changed, an application started or stopped playing. Delivered to an
 * {@link AudioEventListener}; every event carries the device or the application it
 * concerns.
 *
 * <p>Thread-safety: immutable, safe to share.
 *
 * @param type           what happened
 * @param device         the device it concerns (device events; for a default change the new
 *                       default, empty if there is none now)
 * @param application    the application it concerns (application events)
 * @param timestampNanos when the library received it, on the {@link System#nanoTime()} clock
 */
public record AudioEvent(Type type, Optional<AudioDevice> device, Optional<AudioApplication> application,
                         long timestampNanos) {

    /** What happened. */
    public enum Type {
        /** A device appeared; {@link #device()} is it. */
        DEVICE_ADDED,
        /** A device went away; {@link #device()} is it as it was last listed. */
        DEVICE_REMOVED,
        /** The default input changed; {@link #device()} is the new default (empty: none). */
        DEFAULT_INPUT_CHANGED,
        /** The default output changed; {@link #device()} is the new default (empty: none). */
        DEFAULT_OUTPUT_CHANGED,
        /** An application started playing (its first stream appeared); {@link #application()} is it. */
        APPLICATION_STARTED,
        /** An application stopped playing (its last stream went away); {@link #application()} is it. */
        APPLICATION_ENDED
    }

    /**
     * Checks that no component is null.
     *
     * @throws NullPointerException if {@code type}, {@code device} or {@code application} is null
     */
    public AudioEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(application, "application");
    }
}
