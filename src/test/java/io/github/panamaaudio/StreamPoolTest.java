package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pool as a stream uses it: counters, limits, recycling. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StreamPoolTest {

    private static StreamConfig.Builder unpacedPattern() {
        return StreamConfig.builder().format(SampleFormat.F32LE).device("pattern?paced=false");
    }

    @Test
    void hitRateIsAtLeast99point9PercentOver100000PacketsClosedOneByOne() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(unpacedPattern().initialSegments(2).maxSegments(8).build())) {
            for (int i = 0; i < 100_000; i++) {
                try (AudioPacket p = stream.next()) {
                    assertEquals(i, p.sequence());
                }
            }
            PoolStats s = stream.poolStats();
            assertEquals(100_000, s.poolHits() + s.poolMisses(), "hits + misses = acquires = packets");
            assertEquals(0, s.inUse(), "every packet was closed");
            assertTrue(s.hitRate() >= 0.999, "hit rate " + s.hitRate());
            assertTrue(s.currentPoolSize() <= s.maxPoolSize());
            assertEquals(s.dynamicAllocations(), s.currentPoolSize() - 2L);
            assertEquals(100_000, stream.packets());
            assertEquals(100_000L * stream.config().packetBytes(), stream.bytes());
        }
    }

    @Test
    void neverMoreThanMaxSegmentsAndNextWaitsForARelease() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(unpacedPattern().initialSegments(1).maxSegments(4).build())) {
            List<AudioPacket> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                held.add(stream.next());
            }
            assertEquals(4, stream.poolStats().inUse());
            assertEquals(4, stream.poolStats().currentPoolSize());
            assertTrue(stream.next(Duration.ofMillis(100)).isEmpty(), "pool exhausted: no packet");
            CompletableFuture<AudioPacket> waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return stream.next();
                } catch (AudioException e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(100);
            assertFalse(waiting.isDone(), "next() waits while all segments are held");
            held.remove(0).close();
            AudioPacket fifth = waiting.get(5, TimeUnit.SECONDS);
            assertEquals(4, fifth.sequence());
            assertEquals(4, stream.poolStats().currentPoolSize(), "still at most maxSegments");
            fifth.close();
            held.forEach(AudioPacket::close);
            assertEquals(0, stream.poolStats().inUse());
        }
    }

    @Test
    void packetObjectsAndSegmentsAreRecycled() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(unpacedPattern().initialSegments(1).maxSegments(1).build())) {
            AudioPacket first = stream.next();
            long address = first.segment().address();
            first.close();
            first.close(); // second close is a no-op
            assertEquals(0, stream.poolStats().inUse());
            try (AudioPacket second = stream.next()) {
                assertEquals(address, second.segment().address(), "the same segment comes back");
                assertEquals(1, second.sequence());
            }
        }
    }

    @Test
    void segmentsAreReadOnlyAndExactlyOnePacketLong() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(unpacedPattern().sampleRate(44_100).channels(3).build());
             AudioPacket p = stream.next()) {
            assertEquals(441L * 3 * 4, p.segment().byteSize());
            assertTrue(p.segment().isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> p.segment().set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 1));
        }
    }

    @Test
    void packetsClosedOnAnotherThreadKeepExactAccounting() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(unpacedPattern().initialSegments(4).maxSegments(16).build())) {
            var queue = new java.util.concurrent.ArrayBlockingQueue<AudioPacket>(8);
            Thread closer = Thread.ofPlatform().start(() -> {
                try {
                    for (int i = 0; i < 20_000; i++) {
                        queue.take().close();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            for (int i = 0; i < 20_000; i++) {
                queue.put(stream.next());
            }
            closer.join(30_000);
            PoolStats s = stream.poolStats();
            assertEquals(0, s.inUse());
            assertEquals(20_000, s.poolHits() + s.poolMisses());
            assertTrue(s.currentPoolSize() <= 16);
        }
    }

    @Test
    void packetsHeldAcrossStreamCloseBecomeInvalidButClosingThemIsHarmless() throws Exception {
        AudioPacket held;
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(unpacedPattern().build())) {
            held = stream.next();
        }
        AudioPacket p = held;
        assertThrows(IllegalStateException.class, () -> p.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        p.close();
        p.close();
    }

    @Test
    void checkedModeRejectsReadsAfterClose() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(unpacedPattern().checked(true).build())) {
            AudioPacket p = stream.next();
            var segment = p.segment();
            assertEquals(0, segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            p.close();
            assertThrows(IllegalStateException.class, () -> segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            assertThrows(IllegalStateException.class, () -> p.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
            try (AudioPacket q = stream.next()) {
                assertFalse(q == p, "checked mode never hands out a closed packet object again");
                assertEquals(stream.config().packetBytes() % 251,
                        Byte.toUnsignedInt(q.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)));
            }
            assertEquals(0, stream.poolStats().inUse());
        }
    }
}
