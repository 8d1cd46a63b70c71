package io.github.panamaaudio.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** Audio was lost before a packet (an overrun, or a hole the server reported). */
@Name("io.github.panamaaudio.Overrun")
@Label("Audio Overrun")
@Category("Audio Capture")
@Description("Audio before this packet was lost: the reader fell behind, or the server reported a hole")
public final class OverrunEvent extends Event {
    @Label("Stream") public String stream;
    @Label("Sequence") @Description("The packet after the loss") public long sequence;
    @Label("Position") @Description("Frames the stream delivered before that packet") public long position;
    @Label("Lost Frames") @Description("Frames lost, or -1 where the backend cannot tell") public long lostFrames;
}
