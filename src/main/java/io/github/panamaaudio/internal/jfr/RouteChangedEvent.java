package io.github.panamaaudio.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A device or route changed: a device came or went, a default changed, a stream followed it. */
@Name("io.github.panamaaudio.RouteChanged")
@Label("Audio Device or Route Change")
@Category("Audio Capture")
@Description("A device came or went, a default changed, or a default-following stream re-attached")
public final class RouteChangedEvent extends Event {
    @Label("What") @Description("DEVICE_ADDED, DEVICE_REMOVED, DEFAULT_INPUT_CHANGED, DEFAULT_OUTPUT_CHANGED, STREAM_REATTACHED") public String change;
    @Label("Device") @Description("The device id, or empty") public String device;
    @Label("Stream") @Description("The stream that re-attached, or empty") public String stream;
}
