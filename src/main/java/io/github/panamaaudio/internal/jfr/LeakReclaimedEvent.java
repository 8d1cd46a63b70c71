package io.github.panamaaudio.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A packet or a stream was garbage-collected without close() and reclaimed. */
@Name("io.github.panamaaudio.LeakReclaimed")
@Label("Audio Leak Reclaimed")
@Category("Audio Capture")
@Description("A packet or stream was garbage-collected without close(); the library reclaimed it")
public final class LeakReclaimedEvent extends Event {
    @Label("Stream") public String stream;
    @Label("What") @Description("packet or stream") public String what;
    @Label("Acquired At") @Description("Where the packet was acquired (leak detection level trace), or empty") public String site;
}
