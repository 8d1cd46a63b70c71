package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Faults of a real PulseAudio server: killed, a device unloaded, a reader too
 * slow. Each test gets its own server, since it breaks it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FaultTest {

    private PulseServer server;

    @BeforeEach
    void startServer() {
        server = PulseServer.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private AudioCapture capture() throws AudioException {
        return AudioCapture.builder().backend("pulse").option("server", server.address()).timeout(Duration.ofSeconds(5)).open();
    }

    /** Reads on a thread until next() throws; returns the exception and when it was thrown. */
    private record Outcome(Throwable thrown, long atNanos, long packets) {
    }

    private static Thread readUntilFailure(AudioStream stream, CountDownLatch firstPacket,
                                           AtomicReference<Outcome> outcome, List<AudioPacket> keep) {
        return Thread.ofPlatform().start(() -> {
            long n = 0;
            try {
                while (true) {
                    AudioPacket p = stream.next();
                    n++;
                    if (keep != null && keep.size() < 3) {
                        keep.add(p); // hold a few open across the failure
                    } else {
                        p.close();
                    }
                    firstPacket.countDown();
                }
            } catch (Throwable t) {
                outcome.set(new Outcome(t, System.nanoTime(), n));
            }
        });
    }

    @Test
    void serverKilledWhileReadingIsServerDisconnectedWithinOneSecondAndANewStreamWorksAfterRestart()
            throws Exception {
        try (AudioCapture capture = capture()) {
            AudioStream stream = capture.openStream(StreamConfig.builder().device(server.sineSourceName()).build());
            CountDownLatch first = new CountDownLatch(1);
            AtomicReference<Outcome> outcome = new AtomicReference<>();
            List<AudioPacket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread reader = readUntilFailure(stream, first, outcome, held);
            assertTrue(first.await(10, TimeUnit.SECONDS), "capture started");
            long killedAt = System.nanoTime();
            server.kill();
            reader.join(5_000);
            Outcome o = outcome.get();
            assertTrue(o != null, "next() returned");
            assertTrue(o.thrown() instanceof AudioException, "threw " + o.thrown());
            AudioException e = (AudioException) o.thrown();
            assertTrue(Set.of(AudioException.Kind.BACKEND_DISCONNECTED, AudioException.Kind.DEVICE_LOST)
                    .contains(e.kind()), e.kind() + ": " + e.getMessage());
            assertTrue(e.isRetryable());
            long ms = TimeUnit.NANOSECONDS.toMillis(o.atNanos() - killedAt);
            assertTrue(ms < 1000, "failure reported " + ms + " ms after the kill");
            assertEquals(held.size(), stream.poolStats().inUse(), "only the packets still held are in use");
            held.forEach(AudioPacket::close);
            assertEquals(0, stream.poolStats().inUse(), "every segment is back");
            stream.close();

            server.restart();
            try (AudioStream again = capture.openStream(StreamConfig.builder().device(server.sineSourceName()).build())) {
                for (int i = 0; i < 20; i++) {
                    again.next().close();
                }
                assertEquals(20, again.packets());
            }
        }
    }

    @Test
    void unloadingTheCapturedSinkIsDeviceLostWithinOneSecond() throws Exception {
        int module = server.loadNullSink("doomed");
        try (AudioCapture capture = capture();
             PulseServer.Player player = server.playTone("doomed", 500);
             AudioStream stream = capture.openStream(StreamConfig.builder().device("doomed").build())) {
            CountDownLatch first = new CountDownLatch(1);
            AtomicReference<Outcome> outcome = new AtomicReference<>();
            Thread reader = readUntilFailure(stream, first, outcome, null);
            assertTrue(first.await(10, TimeUnit.SECONDS), "capture started");
            long unloadedAt = System.nanoTime();
            server.unloadModule(module);
            reader.join(5_000);
            Outcome o = outcome.get();
            assertTrue(o != null && o.thrown() instanceof AudioException, "next() threw " + o);
            AudioException e = (AudioException) o.thrown();
            assertEquals(AudioException.Kind.DEVICE_LOST, e.kind(), e.getMessage());
            long ms = TimeUnit.NANOSECONDS.toMillis(o.atNanos() - unloadedAt);
            assertTrue(ms < 1000, "device loss reported " + ms + " ms after the unload");
            assertEquals(0, stream.poolStats().inUse());
            assertTrue(player.process() != null);
        }
    }

    @Test
    void aSlowConsumerGetsDiscontinuityFlagsAndCaptureContinues() throws Exception {
        try (PulseServer.Player player = server.playTone(440);
             AudioCapture capture = capture();
             AudioStream stream = capture.openStream(StreamConfig.builder().device(server.sinkName())
                     .bufferDuration(Duration.ofMillis(500)).build())) {
            // let the player and the sink settle (they start in bursts)
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3000);
            while (System.nanoTime() < until) {
                stream.next().close();
            }
            long before = stream.overruns();
            long seqBefore = -1;
            try (AudioPacket p = stream.next()) {
                seqBefore = p.sequence();
            }
            Thread.sleep(3_000); // six times what the server keeps for us
            List<Long> flagged = new ArrayList<>();
            List<Long> jumps = new ArrayList<>(); // where the server's position skips lost audio
            AtomicLong afterGap = new AtomicLong();
            long lastPosition = -1;
            for (int i = 0; i < 300; i++) {
                try (AudioPacket p = stream.next()) {
                    assertEquals(seqBefore + 1 + i, p.sequence(), "sequence numbers stay gapless");
                    if (p.isDiscontinuity()) {
                        flagged.add(p.sequence() - seqBefore);
                    }
                    if (lastPosition >= 0 && p.position() != lastPosition + p.frames()) {
                        jumps.add(p.sequence() - seqBefore);
                    }
                    lastPosition = p.position();
                    afterGap.incrementAndGet();
                }
            }
            assertTrue(!flagged.isEmpty(), "a packet after the gap is flagged");
            // the server kept at least bufferDuration (50 packets) for us, plus what its socket held
            long kept = stream.config().bufferDuration().toMillis() / stream.config().packetDuration().toMillis();
            assertTrue(flagged.get(0) >= kept - 2, "audio the server kept is not flagged: " + flagged + ", kept " + kept);
            assertTrue(!jumps.isEmpty() && jumps.get(0) >= flagged.get(0),
                    "the position (the server's read index) skips the lost audio, not before the flag: " + jumps);
            assertTrue(stream.overruns() > before, "the overrun counter increased");
            assertEquals(300, afterGap.get(), "capture continued");
            assertTrue(player.isAlive());
        }
    }
}
