package io.github.panamaaudio;

import static io.github.panamaaudio.ProtocolFixture.outcome;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIIII_Result;

/**
 * Invariant: two threads closing the same open packet end its lease exactly once
 * ({@code Lease.end()}, one CAS), in the default mode without an exception: the pool
 * counts one release, the segment goes back to the free list once, and the packet
 * object is pooled with it once.
 *
 * <p>The stream (borrowed idle, see {@link ProtocolFixture#borrow()}) has a pool of one
 * segment, held by the packet. Result: each close's
 * outcome (0 returned, 1 {@link IllegalStateException}, 2 another exception), then,
 * after both, whether the packet is still open, segments in use, how many packets
 * the stream hands out before its pool is exhausted (the segment came back once: 1;
 * pushed twice on the free list: 2 or an exception), and whether the first of them is
 * the closed packet's object (pooled with its segment: 1).
 */
@JCStressTest
@Description("Packet close vs packet close: one lease, ended exactly once, no exception.")
@Outcome(id = "0, 0, 0, 0, 1, 1", expect = ACCEPTABLE,
        desc = "both closes returned; the lease ended once: nothing in use, the segment and its packet object came back once")
@Outcome(expect = FORBIDDEN,
        desc = "a close threw, the lease is still open, the pool counted the release twice or not at all,"
                + " or the segment came back twice or not at all")
@State
public class PacketCloseVsPacketClose {

    final AudioStream stream = ProtocolFixture.borrow();
    final AudioPacket packet = ProtocolFixture.next(stream);

    @Actor
    public void close1(IIIIII_Result r) {
        r.r1 = outcome(packet::close);
    }

    @Actor
    public void close2(IIIIII_Result r) {
        r.r2 = outcome(packet::close);
    }

    @Arbiter
    public void arbiter(IIIIII_Result r) {
        r.r3 = packet.isOpen() ? 1 : 0;
        r.r4 = stream.poolStats().inUse();
        List<AudioPacket> again = ProtocolFixture.drain(stream);
        r.r5 = again.size();
        r.r6 = !again.isEmpty() && again.get(0) == packet ? 1 : 0;
        ProtocolFixture.closeAll(again);
        ProtocolFixture.giveBack(stream);
    }
}
