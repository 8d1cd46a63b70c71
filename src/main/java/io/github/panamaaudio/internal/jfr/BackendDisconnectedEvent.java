package io.github.panamaaudio.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** The connection to the backend broke (the audio server died or restarted). */
@Name("io.github.panamaaudio.BackendDisconnected")
@Label("Audio Backend Disconnected")
@Category("Audio Capture")
@Description("The connection to the audio backend broke")
public final class BackendDisconnectedEvent extends Event {
    @Label("Backend") public String backend;
    @Label("Stream") @Description("The stream that noticed, or empty for the capture's context") public String stream;
    @Label("Detail") public String detail;
}
