package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;

/**
 * Packets dropped without {@code close()} are found by the garbage collector, their
 * segments go back to the pool, each one is counted as a leak, and the stream keeps
 * going. The pool here is far smaller than the number of dropped packets, so the
 * stream can only deliver them all if reclaiming works while it runs.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@ExtendWith(PulseServerExtension.class)
class LeakDetectionTest {

    private static final int DROPPED = 1_000;
    private static final int MAX_SEGMENTS = 16;
    private static final long GC_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private LogCapture log;

    @BeforeEach
    void captureLibraryLog() throws ReflectiveOperationException {
        log = new LogCapture("io.github.panamaaudio");
    }

    @AfterEach
    void stopCapturing() throws ReflectiveOperationException {
        log.close();
        System.clearProperty(AudioStream.LEAK_DETECTION_PROPERTY);
    }

    private static StreamConfig.Builder unpacedPattern(String name) {
        return StreamConfig.builder().device("pattern?paced=false")
                .initialSegments(8).maxSegments(MAX_SEGMENTS).name(name);
    }

    /**
     * Takes one packet and drops it without closing it. A method of its own, so that
     * no local variable of the caller keeps the last packet reachable.
     *
     * @return false if the pool had no free segment within 20 ms
     */
    private static boolean dropOne(AudioStream stream) throws AudioException {
        AudioPacket packet = stream.poll(20, TimeUnit.MILLISECONDS);
        return packet != null;
    }

    /** Drops {@code count} packets, collecting garbage whenever the pool runs dry. */
    private static void drop(AudioStream stream, int count) throws AudioException {
        long deadline = System.nanoTime() + GC_PATIENCE_NANOS;
        int dropped = 0;
        while (dropped < count) {
            if (dropOne(stream)) {
                dropped++;
            } else {
                if (System.nanoTime() - deadline > 0) {
                    fail("pool never recovered after " + dropped + " dropped packets: " + stream.poolStats());
                }
                System.gc();
            }
        }
    }

    private static PoolStats awaitLeaks(AudioStream stream, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + GC_PATIENCE_NANOS;
        PoolStats stats = stream.poolStats();
        while (stats.leaks() < expected && System.nanoTime() - deadline < 0) {
            System.gc();
            Thread.sleep(10);
            stats = stream.poolStats();
        }
        return stats;
    }

    /** The captured WARNING lines about leaks of the stream called {@code name}. */
    private List<String> leakWarnings(String name) throws ReflectiveOperationException {
        return log.text().lines()
                .filter(l -> l.startsWith("WARNING: stream " + name + ": ") && l.contains("without close()"))
                .toList();
    }

    /**
     * Records what the library logs, as {@link java.util.logging.SimpleFormatter} text.
     * java.util.logging is reached reflectively: the tests are compiled into the
     * library's module, which does not read java.logging (System.Logger needs no such
     * dependency), and at run time the tests run on the class path.
     */
    private static final class LogCapture implements AutoCloseable {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Class<?> loggerClass = Class.forName("java.util.logging.Logger");
        private final Class<?> handlerClass = Class.forName("java.util.logging.Handler");
        /** Held strongly: java.util.logging keeps loggers only weakly. */
        private final Object logger;
        private final Object handler;
        private final Object previousLevel;

        LogCapture(String loggerName) throws ReflectiveOperationException {
            Class<?> formatterClass = Class.forName("java.util.logging.Formatter");
            Object formatter = Class.forName("java.util.logging.SimpleFormatter").getConstructor().newInstance();
            handler = Class.forName("java.util.logging.StreamHandler")
                    .getConstructor(OutputStream.class, formatterClass).newInstance(bytes, formatter);
            logger = loggerClass.getMethod("getLogger", String.class).invoke(null, loggerName);
            loggerClass.getMethod("addHandler", handlerClass).invoke(logger, handler);
            // whatever the logging configuration says, let WARNING through for the test
            Class<?> levelClass = Class.forName("java.util.logging.Level");
            previousLevel = loggerClass.getMethod("getLevel").invoke(logger);
            loggerClass.getMethod("setLevel", levelClass).invoke(logger, levelClass.getField("INFO").get(null));
        }

        String text() throws ReflectiveOperationException {
            handlerClass.getMethod("flush").invoke(handler);
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() throws ReflectiveOperationException {
            loggerClass.getMethod("removeHandler", handlerClass).invoke(logger, handler);
            loggerClass.getMethod("setLevel", Class.forName("java.util.logging.Level")).invoke(logger, previousLevel);
        }
    }

    @Test
    void aThousandDroppedPacketsAreReclaimedAndCountedAndTheStreamContinues() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(unpacedPattern("leaky").build())) {
            drop(stream, DROPPED);
            assertEquals(DROPPED, stream.packets());

            PoolStats afterGc = awaitLeaks(stream, DROPPED);
            assertEquals(DROPPED, afterGc.leaks(), "every dropped packet is counted once: " + afterGc);
            assertEquals(0, afterGc.inUse(), "every leaked segment is back in the pool: " + afterGc);
            assertTrue(afterGc.currentPoolSize() <= MAX_SEGMENTS, afterGc.toString());
            assertEquals(DROPPED, afterGc.acquires(), afterGc.toString());

            // The pool serves packets again, and the stream's sequence and data continue.
            int frameBytes = stream.config().frameBytes();
            for (int i = 0; i < DROPPED; i++) {
                try (AudioPacket p = stream.next()) {
                    assertEquals(DROPPED + i, p.sequence());
                    long offset = p.position() * frameBytes;
                    assertEquals((byte) (offset % 251), p.segment().get(ValueLayout.JAVA_BYTE, 0),
                            "pattern byte at stream offset " + offset);
                }
            }
            PoolStats end = stream.poolStats();
            assertEquals(DROPPED, end.leaks(), "closed packets are not leaks: " + end);
            assertEquals(0, end.inUse(), end.toString());
            assertEquals(2L * DROPPED, end.acquires(), end.toString());
            assertTrue(end.currentPoolSize() <= MAX_SEGMENTS, end.toString());
        }
        List<String> warnings = leakWarnings("leaky");
        assertEquals(1, warnings.size(), "count level: one warning per stream, got " + warnings);
        assertFalse(warnings.get(0).contains(" acquired at "), "count level names no site: " + warnings);
    }

    /** Drops packets from this one line, which the trace level must name. */
    private static void dropFromHere(AudioStream stream, int count) throws AudioException {
        for (int i = 0; i < count; i++) {
            assertNotNull(stream.poll(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void traceLevelLogsWhereTheLeakedPacketWasAcquiredOncePerSite() throws Exception {
        System.setProperty(AudioStream.LEAK_DETECTION_PROPERTY, "trace");
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(unpacedPattern("traced").build())) {
            System.clearProperty(AudioStream.LEAK_DETECTION_PROPERTY); // read when the stream opened
            dropFromHere(stream, 10);
            PoolStats stats = awaitLeaks(stream, 10);
            assertEquals(10, stats.leaks(), stats.toString());
            assertEquals(0, stats.inUse(), stats.toString());
            try (AudioPacket p = stream.next()) {
                assertEquals(10, p.sequence());
            }
        }
        List<String> warnings = leakWarnings("traced");
        assertEquals(1, warnings.size(), "one warning per acquisition site, got " + warnings);
        assertTrue(warnings.get(0).contains(" acquired at " + LeakDetectionTest.class.getName() + ".dropFromHere("
                + LeakDetectionTest.class.getSimpleName() + ".java:"), warnings.get(0));
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) { // the smallest of a few full collections: what is really retained
            System.gc();
            Thread.sleep(20);
            Runtime rt = Runtime.getRuntime();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    @Test
    void aHundredThousandLeakedPacketsKeepTheHeapFlat() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(StreamConfig.builder().device("pattern?paced=false")
                     .sampleRate(8_000).channels(1).format(SampleFormat.S16LE)
                     .packetDuration(java.time.Duration.ofMillis(1))
                     .initialSegments(4096).maxSegments(4096).name("leaks-100k").build())) {
            drop(stream, 10_000);
            awaitLeaks(stream, 10_000);
            long before = usedHeapAfterGc();
            drop(stream, 90_000);
            PoolStats stats = awaitLeaks(stream, 100_000);
            long after = usedHeapAfterGc();
            assertEquals(100_000, stats.leaks(), stats.toString());
            assertEquals(0, stats.inUse(), stats.toString());
            // what a leaked packet could leave behind (a watch, a list entry) is >= 32 bytes:
            // 90 000 of them would be >= 2.8 MB
            assertTrue(after - before < 1_500_000, "heap grew by " + (after - before) + " bytes over 90 000 leaks");
        }
    }

    /** Opens a stream and drops it without close(), in a frame of its own. */
    private static String openAndDrop(AudioCapture capture, String name) throws AudioException {
        AudioStream stream = capture.openStream(StreamConfig.builder().name(name)
                .source(StreamConfig.Source.device(PulseServer.SINE_SOURCE)).build());
        try (AudioPacket p = stream.next()) {
            assertTrue(p.frames() > 0);
        }
        return stream.toString();
    }

    @Test
    void anUnclosedStreamIsReclaimedClosedAndCountedAndItsServerStreamEnds(PulseServer server) throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", server.address()).open()) {
            openAndDrop(capture, "forgotten");
            assertTrue(server.pactl("list", "short", "source-outputs").lines().anyMatch(l -> !l.isBlank()),
                    "the dropped stream records on the server");
            long deadline = System.nanoTime() + GC_PATIENCE_NANOS;
            while (capture.reclaimedStreams() == 0 && System.nanoTime() - deadline < 0) {
                System.gc();
                Thread.sleep(20);
            }
            assertEquals(1, capture.reclaimedStreams(), "reclaimed streams");
            assertEquals(List.of(), capture.openStreams(), "open streams after the reclaim");
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String outputs = server.pactl("list", "short", "source-outputs");
            while (!outputs.isBlank() && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
                outputs = server.pactl("list", "short", "source-outputs");
            }
            assertEquals("", outputs.strip(), "the server still records for the reclaimed stream");
        }
        List<String> warnings = log.text().lines()
                .filter(l -> l.startsWith("WARNING: stream forgotten (pulse) was garbage-collected without close()"))
                .toList();
        assertEquals(1, warnings.size(), "one warning naming the stream: " + log.text());
    }
}
