package io.github.panamaaudio;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;

import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The ownership protocol under misuse: a packet or stream used after close, a close
 * while another thread's I/O call is inside a packet's segment, a stale close, a
 * bounded wait. Each test is one reproduced defect (see the method names).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(PulseServerExtension.class)
class OwnershipTest {

    private static StreamConfig.Builder pattern() {
        return StreamConfig.builder().device("pattern?paced=false").initialSegments(4).maxSegments(8);
    }

    // ---- 1. checked mode never reads freed memory ------------------------------------

    @Test
    void checkedModeReadOfAPacketAfterItsStreamClosedThrowsInsteadOfReadingFreedMemory() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open()) {
            AudioStream stream = capture.openStream(pattern().checked(true).build());
            AudioPacket p = stream.next();
            assertEquals(p.segment().get(JAVA_BYTE, 100), p.segment().get(JAVA_BYTE, 100));
            var segment = p.segment();
            stream.close();
            assertThrows(IllegalStateException.class, () -> segment.get(JAVA_BYTE, 100), "kept segment");
            assertThrows(IllegalStateException.class, p::segment);
            assertThrows(IllegalStateException.class, p::timestampNanos);
            assertThrows(IllegalStateException.class, p::frames);
            assertTrue(stream.isMemoryFreed(), "nothing holds the memory: freed at once");
            assertDoesNotThrow(p::close, "the first close of a packet after its stream is harmless");
        }
    }

    @Test
    void defaultModeReadOfAPacketAfterItsStreamClosedThrows() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open()) {
            AudioStream stream = capture.openStream(pattern().build());
            AudioPacket p = stream.next();
            stream.close();
            assertTrue(stream.isMemoryFreed());
            assertThrows(IllegalStateException.class, () -> p.segment().get(JAVA_BYTE, 0));
            assertDoesNotThrow(p::close);
        }
    }

    // ---- 2. close() never half-closes ------------------------------------------------

    /** Fills a pipe so that the next blocking write into it blocks. */
    private static Pipe fullPipe() throws Exception {
        Pipe pipe = Pipe.open();
        pipe.sink().configureBlocking(false);
        ByteBuffer junk = ByteBuffer.allocate(1 << 16);
        while (pipe.sink().write(junk.clear()) > 0) {
            // until full
        }
        pipe.sink().configureBlocking(true);
        return pipe;
    }

    private static void awaitInNativeWrite(Thread t) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < until) {
            if (Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().equals("write0"))) {
                Thread.sleep(20);
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the writer never blocked in a blocking write");
    }

    private static void drain(Pipe pipe, FutureTask<?> until) throws Exception {
        pipe.source().configureBlocking(false);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16);
        while (!until.isDone()) {
            if (pipe.source().read(buf.clear()) == 0) {
                Thread.sleep(1);
            }
        }
    }

    @Test
    void closeWhileAnotherThreadWritesAPacketToABlockedPipeCompletesAndFreesTheMemoryWhenTheWriteReturns(
            PulseServer server) throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", server.address()).open()) {
            AudioStream stream = capture.openStream(StreamConfig.builder()
                    .source(StreamConfig.Source.device(PulseServer.SINE_SOURCE)).build());
            AudioStream other = capture.openStream(StreamConfig.builder().name("other")
                    .source(StreamConfig.Source.device(PulseServer.SINE_SOURCE)).build());
            AudioPacket packet = stream.next();
            long bytes = packet.byteSize();
            Pipe pipe = fullPipe();
            FutureTask<Integer> write = new FutureTask<>(() -> pipe.sink().write(packet.segment().asByteBuffer()));
            Thread writer = new Thread(write, "blocked-writer");
            writer.start();
            awaitInNativeWrite(writer);

            assertDoesNotThrow(capture::close, "closing the capture while a write holds a segment");
            assertTrue(stream.isClosed());
            assertTrue(other.isClosed(), "the capture closed its other stream too");
            assertThrows(AudioException.class, stream::next);
            assertFalse(stream.isMemoryFreed(), "freed while a write was using the segment");
            assertTrue(other.isMemoryFreed());
            assertEquals("", server.pactl("list", "short", "source-outputs").strip(),
                    "the shim streams are freed at once: the server records nothing");

            drain(pipe, write);
            assertEquals(bytes, write.get().longValue(), "the write completed with the packet's bytes");
            writer.join();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!stream.isMemoryFreed() && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
            }
            assertTrue(stream.isMemoryFreed(), "the pool's memory is freed once the write returned");
            packet.close();
            assertEquals(0, stream.poolStats().inUse(), stream.poolStats().toString());
            pipe.sink().close();
            pipe.source().close();
        }
    }

    @Test
    void checkedModeNeverRefillsASegmentThatAnIoCallStillReadsThroughAClosedPacketsView() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(StreamConfig.builder().device("pattern?paced=false")
                     .packetDuration(Duration.ofMillis(1)).checked(true).initialSegments(1).maxSegments(1).build())) {
            AudioPacket p = stream.next();
            long offset = p.position() * stream.config().frameBytes();
            int bytes = (int) p.byteSize();
            Pipe pipe = fullPipe();
            ByteBuffer view = p.segment().asByteBuffer();
            FutureTask<Integer> write = new FutureTask<>(() -> pipe.sink().write(view));
            Thread writer = new Thread(write, "blocked-writer");
            writer.start();
            awaitInNativeWrite(writer);
            p.close(); // misuse: the write still reads the segment through the packet's view
            assertNull(stream.poll(200, TimeUnit.MILLISECONDS),
                    "the segment was handed out again while a write still read it");
            pipe.source().configureBlocking(false);
            ByteBuffer got = ByteBuffer.allocate(1 << 17);
            while (!write.isDone()) {
                pipe.source().read(got);
                Thread.sleep(1);
            }
            pipe.source().read(got);
            assertEquals(bytes, write.get().intValue());
            got.flip();
            got.position(got.limit() - bytes); // the packet's bytes come after the junk that filled the pipe
            for (int i = 0; i < bytes; i++) {
                assertEquals((byte) ((offset + i) % 251), got.get(), "byte " + i + " is the closed packet's own");
            }
            try (AudioPacket next = stream.poll(5, TimeUnit.SECONDS)) {
                assertNotNull(next, "the segment comes back once the write returned");
            }
            writer.join();
            pipe.sink().close();
            pipe.source().close();
        }
    }

    // ---- 3. a stale close() ------------------------------------------------------------

    @Test
    void checkedModeGivesEveryLeaseItsOwnObjectAndAStaleCloseThrows() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(pattern().checked(true).build())) {
            AudioPacket p1 = stream.next();
            p1.close();
            AudioPacket p2 = stream.next();
            assertNotSame(p1, p2, "checked mode: a distinct object per lease");
            assertThrows(IllegalStateException.class, p1::close, "stale close");
            assertTrue(p2.isOpen(), "the stale close did not end the new lease");
            assertThrows(IllegalStateException.class, p1::segment, "read after close");
            assertThrows(IllegalStateException.class, p1::sequence, "metadata after close");
            assertEquals(1, stream.poolStats().inUse());
            p2.close();
            assertEquals(0, stream.poolStats().inUse());
        }
    }

    @Test
    void defaultModeReusesThePacketObjectAsDocumentedAndASecondCloseBeforeReuseIsANoOp() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(pattern().build())) {
            AudioPacket p1 = stream.next();
            p1.close();
            assertDoesNotThrow(p1::close, "a second close before the object is handed out again");
            assertEquals(0, stream.poolStats().inUse());
            AudioPacket p2 = stream.next();
            assertSame(p1, p2, "0 B/packet: the object is pooled with its segment (the documented contract)");
            assertTrue(p2.isOpen());
            p2.close();
        }
    }

    // ---- 6. poll(timeout) waits at most its timeout ---------------------------------

    @Test
    void pollWithTheSegmentsExhaustedReturnsWithinItsTimeoutEvenWhenASegmentComesBackLate() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(StreamConfig.builder().device("sine?frequency=" + (440) + "&amplitude=" + (0.5) + "&paced=true")
                     .packetDuration(Duration.ofMillis(1000)).initialSegments(1).maxSegments(1).build())) {
            AudioPacket held = stream.next(); // the only segment; the next packet is due in ~1 s
            Thread closer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(400);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                held.close();
            });
            long start = System.nanoTime();
            AudioPacket p = stream.poll(500, TimeUnit.MILLISECONDS);
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            closer.join();
            assertNull(p, "no packet is due within 500 ms");
            assertTrue(elapsedMs >= 490, "returned early: " + elapsedMs + " ms");
            assertTrue(elapsedMs <= 520, "poll(500 ms) took " + elapsedMs + " ms");
            assertNotNull(stream.poll(2, TimeUnit.SECONDS), "nothing was lost: the packet comes");
        }
    }
}
