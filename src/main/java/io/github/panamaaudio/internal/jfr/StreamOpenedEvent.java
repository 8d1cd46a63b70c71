package io.github.panamaaudio.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A capture stream was opened. */
@Name("io.github.panamaaudio.StreamOpened")
@Label("Audio Stream Opened")
@Category("Audio Capture")
@Description("A capture stream was opened: what it captures, its format and its pool")
public final class StreamOpenedEvent extends Event {
    @Label("Stream") public String stream;
    @Label("Backend") public String backend;
    @Label("Source") @Description("What the stream captures (a device, a default, an application)") public String source;
    @Label("Sample Format") public String format;
    @Label("Sample Rate") @Description("Hz") public int sampleRate;
    @Label("Channels") public int channels;
    @Label("Packet Bytes") @DataAmount public long packetBytes;
    @Label("Initial Segments") public int initialSegments;
    @Label("Max Segments") public int maxSegments;
    @Label("Checked Mode") public boolean checked;
}
