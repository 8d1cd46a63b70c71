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
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * Invariant: {@code next()} racing {@code close()} (default mode) either returns a
 * packet holding its own bytes or throws {@link AudioException} of kind
 * {@link AudioException.Kind#CLOSED}; nothing else, and never a hang (jcstress
 * reports an actor that does not finish as a timeout error). A packet that {@code next()}
 * returned just before the close took the memory may throw
 * {@link IllegalStateException} when read, but never shows other bytes. The close
 * completes; afterwards nothing is in use and the memory is freed.
 *
 * <p>The reader checks every byte against the test pattern at the packet's stream
 * offset (from its metadata, plain fields in the default mode), then closes the
 * packet. Result: the reader (1 packet with every byte right, 2 packet whose read
 * threw {@code IllegalStateException}, 3 {@code AudioException} CLOSED, 4 a wrong
 * byte, 5 {@code AudioException} of another kind, 6 another exception), the stream
 * close (0 returned, 1 {@code IllegalStateException}, 2 another exception), then
 * segments in use, whether the stream says it is closed and whether its memory was
 * freed.
 */
@JCStressTest
@Description("next() vs close(): a packet with its own bytes or AudioException CLOSED; close completes.")
@Outcome(id = "1, 0, 0, 1, 1", expect = ACCEPTABLE,
        desc = "next() came first: a packet with every byte right")
@Outcome(id = "2, 0, 0, 1, 1", expect = ACCEPTABLE,
        desc = "next() returned a packet, then the close freed the memory: its read threw IllegalStateException")
@Outcome(id = "3, 0, 0, 1, 1", expect = ACCEPTABLE,
        desc = "close() came first or woke the read: AudioException CLOSED")
@Outcome(expect = FORBIDDEN,
        desc = "wrong bytes, another exception or kind, a close that threw, a segment left in use,"
                + " the stream not closed or its memory never freed")
@State
public class NextVsStreamClose {

    static final int PACKET_RIGHT = 1;
    static final int PACKET_READ_THREW_ISE = 2;
    static final int CLOSED = 3;
    static final int PACKET_WRONG = 4;
    static final int OTHER_KIND = 5;
    static final int OTHER_EXCEPTION = 6;

    final AudioStream stream = ProtocolFixture.open(ProtocolFixture.config().build());

    public NextVsStreamClose() {
        // The segment then holds packet 0 when the raced read writes packet 1 into
        // it: a packet handed out without (or before) the shim's write would show.
        ProtocolFixture.next(stream).close();
    }

    @Actor
    public void next(IIIII_Result r) {
        AudioPacket packet;
        try {
            packet = stream.next();
        } catch (AudioException e) {
            if (e.kind() == AudioException.Kind.CLOSED) {
                r.r1 = CLOSED;
            } else {
                ProtocolFixture.unexpected(e);
                r.r1 = OTHER_KIND;
            }
            return;
        } catch (RuntimeException | Error e) {
            ProtocolFixture.unexpected(e);
            r.r1 = OTHER_EXCEPTION;
            return;
        }
        try (packet) {
            long firstByte = ProtocolFixture.firstByte(packet, stream.config());
            boolean secondPacket = firstByte == stream.config().packetBytes();
            r.r1 = secondPacket && ProtocolFixture.hasPattern(packet.segment(), firstByte)
                    ? PACKET_RIGHT : PACKET_WRONG;
        } catch (IllegalStateException e) {
            r.r1 = PACKET_READ_THREW_ISE;
        } catch (RuntimeException | Error e) {
            ProtocolFixture.unexpected(e);
            r.r1 = OTHER_EXCEPTION;
        }
    }

    @Actor
    public void close(IIIII_Result r) {
        r.r2 = outcome(stream::close);
    }

    @Arbiter
    public void arbiter(IIIII_Result r) {
        r.r3 = stream.poolStats().inUse();
        r.r4 = stream.isClosed() ? 1 : 0;
        r.r5 = ProtocolFixture.memoryFreed(stream);
    }
}
