package io.github.panamaaudio;

import static io.github.panamaaudio.ProtocolFixture.outcome;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIIII_Result;

/**
 * Invariant: a packet closed while its stream closes (default mode) has its lease
 * ended exactly once, neither close throws, the stream ends closed and its pool's
 * accounting is exact: nothing in use afterwards, and the memory freed (at once or,
 * deferred, within 5 s) whichever close came first.
 *
 * <p>Result: the packet close's outcome and the stream close's (0 returned, 1
 * {@link IllegalStateException}, 2 another exception), then, after both, whether the
 * packet is still open, segments in use, whether the stream says it is closed and
 * whether its pool memory was freed.
 */
@JCStressTest
@Description("Packet close vs stream close: the lease ends once, the stream closes, the pool's counts are exact.")
@Outcome(id = "0, 0, 0, 0, 1, 1", expect = ACCEPTABLE,
        desc = "both closes returned; the lease ended, nothing in use, the stream closed and its memory freed")
@Outcome(expect = FORBIDDEN,
        desc = "a close threw, the lease is still open, the pool counts a segment in use (or one released twice),"
                + " the stream is not closed, or its memory was never freed")
@State
public class PacketCloseVsStreamClose {

    final AudioStream stream = ProtocolFixture.open(ProtocolFixture.config().build());
    final AudioPacket packet = ProtocolFixture.next(stream);

    @Actor
    public void closePacket(IIIIII_Result r) {
        r.r1 = outcome(packet::close);
    }

    @Actor
    public void closeStream(IIIIII_Result r) {
        r.r2 = outcome(stream::close);
    }

    @Arbiter
    public void arbiter(IIIIII_Result r) {
        r.r3 = packet.isOpen() ? 1 : 0;
        r.r4 = stream.poolStats().inUse();
        r.r5 = stream.isClosed() ? 1 : 0;
        r.r6 = ProtocolFixture.memoryFreed(stream);
    }
}
