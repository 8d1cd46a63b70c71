package io.github.panamaaudio.internal.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;

/** A capture stream was closed (by close(), or reclaimed by the garbage collector). */
@Name("io.github.panamaaudio.StreamClosed")
@Label("Audio Stream Closed")
@Category("Audio Capture")
@Description("A capture stream was closed, with its totals")
public final class StreamClosedEvent extends Event {
    @Label("Stream") public String stream;
    @Label("Backend") public String backend;
    @Label("Packets") public long packets;
    @Label("Overruns") public long overruns;
    @Label("Pool Hits") public long poolHits;
    @Label("Pool Misses") public long poolMisses;
    @Label("Leaked Packets") public long leaks;
    @Label("Reclaimed") @Description("Closed by the garbage collector: the stream was never closed") public boolean reclaimed;
}
