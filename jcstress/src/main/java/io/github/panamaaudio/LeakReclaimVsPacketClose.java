package io.github.panamaaudio;

import static io.github.panamaaudio.ProtocolFixture.outcome;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIIIII_Result;

/**
 * Invariant: the leak watch's step ({@link StreamCore#reclaimLeaked(int, AudioPacket.Lease)},
 * what the Cleaner runs for an unreachable packet) racing {@link AudioPacket#close()}
 * on the same lease (default mode): exactly one of them ends it, a leak is counted if
 * and only if the reclaim won, and the segment comes back once either way.
 *
 * <p>In a program the watch only runs once the packet is unreachable, so it cannot
 * really race the packet's own close; the race is the protocol's claim ("exactly one
 * of this and close() ends a lease") tested directly, as the one CAS both go through.
 *
 * <p>The stream is borrowed idle ({@link ProtocolFixture#borrow()}), its pool has one
 * segment, which the packet holds. Result: the close's outcome (0 returned, 1 {@link IllegalStateException}, 2
 * another exception), the reclaim's (1 it ended the lease, 0 it found it closed, 2 it
 * threw), then, after both, leaks counted during this state, segments in use, whether the packet is
 * still open, how many packets the stream hands out before its one-segment pool is
 * exhausted, and whether the first of them is the raced packet's object (pooled again
 * only if its own close ended the lease).
 */
@JCStressTest
@Description("Leak reclaim vs packet close: exactly one ends the lease; a leak is counted iff the reclaim won.")
@Outcome(id = "0, 0, 0, 0, 0, 1, 1", expect = ACCEPTABLE,
        desc = "close won: the reclaim found the lease closed, no leak; the packet object was pooled with its segment")
@Outcome(id = "0, 1, 1, 0, 0, 1, 0", expect = ACCEPTABLE,
        desc = "the reclaim won: one leak counted, the close was a no-op; the segment came back without the object")
@Outcome(expect = FORBIDDEN,
        desc = "both or neither ended the lease, a leak counted for a closed packet (or none for a reclaimed one),"
                + " an exception, or the segment came back twice or not at all")
@State
public class LeakReclaimVsPacketClose {

    final AudioStream stream = ProtocolFixture.borrow();
    final long leaksBefore = stream.poolStats().leaks();
    final AudioPacket packet = ProtocolFixture.next(stream);
    final StreamCore core = stream.core();
    final AudioPacket.Lease lease = packet.leaseState();
    /** The only slot of a one-segment pool, which the packet holds. */
    static final int SLOT_INDEX = 0;

    /**
     * A reclaim that wins logs the library's leak WARNING (once per stream), which is
     * right for a program and noise here, where winning is one of the two expected
     * outcomes: this fork keeps only the library's SEVERE messages. Held in a field:
     * java.util.logging keeps loggers weakly, and a collected one would forget its level.
     */
    static final Logger LIBRARY_LOG = quiet();

    private static Logger quiet() {
        Logger log = Logger.getLogger("io.github.panamaaudio");
        log.setLevel(Level.SEVERE);
        return log;
    }

    @Actor
    public void closePacket(IIIIIII_Result r) {
        r.r1 = outcome(packet::close);
    }

    @Actor
    public void reclaimLeak(IIIIIII_Result r) {
        try {
            r.r2 = core.reclaimLeaked(SLOT_INDEX, lease) ? 1 : 0;
        } catch (RuntimeException | Error e) {
            ProtocolFixture.unexpected(e);
            r.r2 = 2;
        }
    }

    @Arbiter
    public void arbiter(IIIIIII_Result r) {
        PoolStats stats = stream.poolStats();
        r.r3 = (int) (stats.leaks() - leaksBefore);
        r.r4 = stats.inUse();
        r.r5 = packet.isOpen() ? 1 : 0;
        List<AudioPacket> again = ProtocolFixture.drain(stream);
        r.r6 = again.size();
        r.r7 = !again.isEmpty() && again.get(0) == packet ? 1 : 0;
        ProtocolFixture.closeAll(again);
        ProtocolFixture.giveBack(stream);
    }
}
