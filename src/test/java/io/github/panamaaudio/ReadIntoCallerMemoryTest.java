package io.github.panamaaudio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link AudioStream#read(MemorySegment, PacketInfo)}: the next packet straight into
 * the caller's memory, without a pool segment, interleaved with {@code next()} on one
 * timeline; bad destinations are refused before anything is read.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReadIntoCallerMemoryTest {

    private static final int PERIOD = 251; // the tone pattern: byte n of the stream is n % 251

    private static AudioStream open(AudioCapture capture) throws AudioException {
        return capture.openStream(StreamConfig.builder().device("pattern?paced=false").initialSegments(2)
                .maxSegments(2).build());
    }

    private static void assertPattern(MemorySegment data, long offset, long streamOffset) {
        for (long i = 0; i < data.byteSize() - offset; i += 97) {
            assertEquals((byte) ((streamOffset + i) % PERIOD), data.get(JAVA_BYTE, offset + i), "byte " + i);
        }
    }

    @Test
    void readsIntoTheCallersSegmentOnTheSameTimelineAsNextWithoutLeasingASegment() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = open(capture);
             Arena arena = Arena.ofConfined()) {
            int bytes = stream.config().packetBytes();
            int frameBytes = stream.config().frameBytes();
            MemorySegment dst = arena.allocate(bytes + 100);
            PacketInfo info = new PacketInfo();
            for (int i = 0; i < 50; i++) {
                assertTrue(stream.read(dst, info) == info);
                assertEquals(2L * i, info.sequence());
                assertEquals(bytes, info.bytes());
                assertEquals(stream.config().packetFrames(), info.frames());
                assertPattern(dst.asSlice(0, bytes), 0, info.position() * frameBytes);
                try (AudioPacket p = stream.next()) { // the two paths interleave on one stream
                    assertEquals(2L * i + 1, p.sequence());
                    assertEquals(info.position() + info.frames(), p.position(), "no frame skipped or repeated");
                }
            }
            PoolStats stats = stream.poolStats();
            assertEquals(50, stats.acquires(), "read() leases no pool segment: " + stats);
            assertEquals(100, stream.packets());
        }
    }

    @Test
    void readsIntoADirectBufferAtItsPositionAndAdvancesIt() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = open(capture)) {
            int bytes = stream.config().packetBytes();
            ByteBuffer buf = ByteBuffer.allocateDirect(3 * bytes);
            PacketInfo info = new PacketInfo();
            stream.read(buf, info);
            long first = info.position();
            stream.read(buf, info);
            assertEquals(2 * bytes, buf.position());
            assertPattern(MemorySegment.ofBuffer(buf.flip()), 0, first * stream.config().frameBytes());
        }
    }

    @Test
    void badDestinationsAreRefusedNamingWhatIsWrongAndNothingIsConsumed() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = open(capture);
             Arena arena = Arena.ofConfined()) {
            int bytes = stream.config().packetBytes();
            PacketInfo info = new PacketInfo();
            assertEquals("dst has 10 bytes; a packet needs " + bytes, assertThrows(IllegalArgumentException.class,
                    () -> stream.read(arena.allocate(10), info)).getMessage());
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> stream.read(arena.allocate(bytes).asReadOnly(), info)).getMessage().contains("read-only"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> stream.read(MemorySegment.ofArray(new byte[bytes]), info)).getMessage().contains("heap"));
            Arena closed = Arena.ofShared();
            MemorySegment dead = closed.allocate(bytes);
            closed.close();
            assertTrue(assertThrows(IllegalArgumentException.class, () -> stream.read(dead, info))
                    .getMessage().contains("closed"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> stream.read(ByteBuffer.allocate(bytes), info)).getMessage().contains("heap"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> stream.read(ByteBuffer.allocateDirect(bytes - 1), info)).getMessage().contains("remaining"));
            assertEquals(-1, info.sequence(), "nothing was read");
            assertEquals(0, stream.packets());
            try (AudioPacket p = stream.next()) {
                assertEquals(0, p.sequence(), "nothing was consumed by the refused reads");
            }
        }
    }

    @Test
    void aTimedReadReturnsFalseOnTimeoutAndThrowsClosedAfterClose() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             Arena arena = Arena.ofConfined()) {
            AudioStream stream = capture.openStream(StreamConfig.builder()
                    .device("sine?paced=true").packetDuration(Duration.ofMillis(500)).build());
            MemorySegment dst = arena.allocate(stream.config().packetBytes());
            PacketInfo info = new PacketInfo();
            stream.read(dst, info);
            assertFalse(stream.read(dst, info, Duration.ofMillis(50)), "the next paced packet is ~500 ms away");
            stream.close();
            assertEquals(AudioException.Kind.CLOSED,
                    assertThrows(AudioException.class, () -> stream.read(dst, info)).kind());
        }
    }
}
