package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** close() from another thread wakes a blocked next() promptly, every time. */
@ExtendWith(PulseServerExtension.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CloseRaceTest {

    private final PulseServer server;

    CloseRaceTest(PulseServer server) {
        this.server = server;
    }

    /** Blocks a reader in next(), closes after a random delay, returns ns from close() to next() throwing. */
    private static long raceOnce(AudioStream stream) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Throwable> outcome = new AtomicReference<>();
        AtomicLong returnedAt = new AtomicLong();
        Thread reader = Thread.ofPlatform().start(() -> {
            started.countDown();
            try {
                while (true) {
                    stream.next().close();
                }
            } catch (Throwable t) {
                returnedAt.set(System.nanoTime());
                outcome.set(t);
            }
        });
        started.await();
        Thread.sleep(ThreadLocalRandom.current().nextInt(0, 3));
        long closedAt = System.nanoTime();
        stream.close();
        reader.join(5_000);
        assertTrue(!reader.isAlive(), "the reader returned");
        Throwable t = outcome.get();
        assertTrue(t instanceof AudioException, "next() threw " + t);
        assertEquals(AudioException.Kind.CLOSED, ((AudioException) t).kind(), String.valueOf(t));
        assertEquals(0, stream.poolStats().inUse(), "every segment is back");
        return Math.max(0, returnedAt.get() - closedAt);
    }

    @Test
    void closeRacingABlockedNextThousandTimesOnTheToneBackend() throws Exception {
        long worst = 0;
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open()) {
            for (int i = 0; i < 1000; i++) {
                // 1 s packets: next() is blocked in the C shim when close() comes
                AudioStream stream = capture.openStream(StreamConfig.builder()
                        .packetDuration(Duration.ofMillis(1000)).build());
                worst = Math.max(worst, raceOnce(stream));
            }
        }
        assertTrue(worst < TimeUnit.MILLISECONDS.toNanos(100), "slowest wake-up " + worst / 1e6 + " ms");
    }

    @Test
    void closeRacingABlockedNextOnPulseStreams() throws Exception {
        long worst = 0;
        try (AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", server.address()).open()) {
            for (int i = 0; i < 100; i++) {
                AudioStream stream = capture.openStream(StreamConfig.builder().device(server.sineSourceName())
                        .packetDuration(Duration.ofMillis(1000)).build());
                worst = Math.max(worst, raceOnce(stream));
            }
        }
        assertTrue(worst < TimeUnit.MILLISECONDS.toNanos(100), "slowest wake-up " + worst / 1e6 + " ms");
    }

    @Test
    void closeRacingNextFromManyThreadsReleasesEveryoneWithClosed() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open()) {
            for (int round = 0; round < 50; round++) {
                AudioStream stream = capture.openStream(StreamConfig.builder()
                        .packetDuration(Duration.ofMillis(20)).initialSegments(2).maxSegments(4).build());
                int readers = 6;
                CountDownLatch started = new CountDownLatch(readers);
                java.util.List<Thread> threads = new java.util.ArrayList<>();
                java.util.Queue<Throwable> outcomes = new java.util.concurrent.ConcurrentLinkedQueue<>();
                AtomicLong delivered = new AtomicLong();
                for (int t = 0; t < readers; t++) {
                    threads.add(Thread.ofPlatform().start(() -> {
                        started.countDown();
                        try {
                            while (true) {
                                try (AudioPacket p = stream.next()) {
                                    delivered.incrementAndGet();
                                }
                            }
                        } catch (Throwable e) {
                            outcomes.add(e);
                        }
                    }));
                }
                started.await();
                Thread.sleep(ThreadLocalRandom.current().nextInt(0, 60));
                Thread closer = Thread.ofPlatform().start(stream::close);
                stream.close(); // two closers at once: both return, one does the work
                closer.join(5_000);
                for (Thread t : threads) {
                    t.join(5_000);
                    assertTrue(!t.isAlive(), "every reader returned");
                }
                assertEquals(readers, outcomes.size());
                for (Throwable t : outcomes) {
                    assertTrue(t instanceof AudioException e && e.kind() == AudioException.Kind.CLOSED, String.valueOf(t));
                }
                PoolStats stats = stream.poolStats();
                assertEquals(0, stats.inUse(), "every segment is back");
                assertEquals(delivered.get(), stream.packets(), "every delivered packet was counted once");
            }
        }
    }

    @Test
    void nextAfterCloseThrowsClosedAndCloseIsIdempotent() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open()) {
            AudioStream stream = capture.openStream(StreamConfig.builder().build());
            stream.close();
            stream.close();
            AudioException e = assertThrows(AudioException.class, stream::next);
            assertEquals(AudioException.Kind.CLOSED, e.kind());
            assertTrue(stream.isClosed());
        }
    }

    @Test
    void closingTheCaptureClosesItsStreams() throws Exception {
        AudioCapture capture = AudioCapture.builder().backend("tone").open();
        AudioStream a = capture.openStream(StreamConfig.builder().build());
        AudioStream b = capture.openStream(StreamConfig.builder().name("second").build());
        assertEquals(2, capture.openStreams().size());
        capture.close();
        assertTrue(a.isClosed() && b.isClosed());
        assertEquals(0, capture.openStreams().size());
        AudioException e = assertThrows(AudioException.class, () -> capture.openStream(StreamConfig.builder().build()));
        assertEquals(AudioException.Kind.CLOSED, e.kind());
        capture.close();
    }
}
