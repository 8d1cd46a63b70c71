package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioDevice;

/**
 * One event as the backend's context reported it (pac_event): what happened and the
 * id of the device or application it concerns. {@code AudioCapture} turns it into an
 * {@code AudioEvent} with the full device or application.
 *
 * <p>Thread-safety: an immutable record.
 *
 * @param type      one of the {@code TYPE_*} constants (PAC_EVENT_*)
 * @param direction device events: the device's direction; else null
 * @param processId application events: the process id, 0 if unknown
 * @param id        the device id, or the application name
 * @param binary    application events: the binary name, else ""
 */
public record NativeEvent(int type, AudioDevice.Direction direction, long processId, String id, String binary) {
    public static final int TYPE_DEVICE_ADDED = 1;
    public static final int TYPE_DEVICE_REMOVED = 2;
    public static final int TYPE_DEFAULT_CHANGED = 3;
    public static final int TYPE_APPLICATION_STARTED = 4;
    public static final int TYPE_APPLICATION_ENDED = 5;
}
