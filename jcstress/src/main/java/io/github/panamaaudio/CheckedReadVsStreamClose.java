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
 * Invariant (checked mode): a read of an open packet racing its stream's close either
 * reads the packet's own bytes or throws {@link IllegalStateException}, never stale
 * or freed memory; the packet's close afterwards is harmless, and the lease, the
 * pool's counts and the memory end as in {@link PacketCloseVsStreamClose}.
 *
 * <p>The reader calls {@code segment()} and checks every byte against the test
 * pattern at the packet's stream offset (taken from its metadata before the race),
 * then closes the packet. Result: the read (1 every byte right, 2
 * {@code IllegalStateException} from {@code segment()} or from a byte read, 3 a wrong
 * byte, 4 another exception), the packet close and the stream close (0 returned, 1
 * {@code IllegalStateException}, 2 another exception), then whether the packet is
 * still open, segments in use and whether the pool memory was freed.
 */
@JCStressTest
@Description("Checked mode, packet read vs stream close: the right bytes or IllegalStateException, never freed memory.")
@Outcome(id = "1, 0, 0, 0, 0, 1", expect = ACCEPTABLE,
        desc = "the read finished before the close took the view: every byte right")
@Outcome(id = "2, 0, 0, 0, 0, 1", expect = ACCEPTABLE,
        desc = "the close came first or during the read: the read threw IllegalStateException")
@Outcome(expect = FORBIDDEN,
        desc = "a wrong byte (stale or freed memory), an unexpected exception, a close that threw,"
                + " or the lease, the pool's counts or its memory left behind")
@State
public class CheckedReadVsStreamClose {

    static final int READ_RIGHT = 1;
    static final int READ_THREW_ISE = 2;
    static final int READ_WRONG = 3;
    static final int READ_THREW_OTHER = 4;

    final AudioStream stream = ProtocolFixture.open(ProtocolFixture.config().checked(true).build());
    final AudioPacket packet;
    final long firstByte;

    public CheckedReadVsStreamClose() {
        // A first packet read and closed, so that the segment holds other bytes than
        // the raced packet's before the shim writes it: a stale view would show.
        ProtocolFixture.next(stream).close();
        packet = ProtocolFixture.next(stream);
        firstByte = ProtocolFixture.firstByte(packet, stream.config());
    }

    @Actor
    public void readThenClosePacket(IIIIII_Result r) {
        try {
            r.r1 = ProtocolFixture.hasPattern(packet.segment(), firstByte) ? READ_RIGHT : READ_WRONG;
        } catch (IllegalStateException e) {
            r.r1 = READ_THREW_ISE;
        } catch (RuntimeException | Error e) {
            ProtocolFixture.unexpected(e);
            r.r1 = READ_THREW_OTHER;
        }
        r.r2 = outcome(packet::close);
    }

    @Actor
    public void closeStream(IIIIII_Result r) {
        r.r3 = outcome(stream::close);
    }

    @Arbiter
    public void arbiter(IIIIII_Result r) {
        r.r4 = packet.isOpen() ? 1 : 0;
        r.r5 = stream.poolStats().inUse();
        r.r6 = ProtocolFixture.memoryFreed(stream);
    }
}
