package io.github.panamaaudio.metrics;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.PoolStats;
import io.github.panamaaudio.StreamConfig;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The binder against a {@link SimpleMeterRegistry}, over a real stream of the tone backend. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AudioStreamMetricsTest {

    private static final String STREAM_NAME = "metrics-test";

    /** name, type, base unit: every meter the binder must register (acquires twice, hit and miss). */
    private record Expected(String name, Meter.Type type, String baseUnit, String result) {
    }

    private static final List<Expected> EXPECTED = List.of(
            new Expected("audio.pool.acquires", Meter.Type.COUNTER, "acquires", "hit"),
            new Expected("audio.pool.acquires", Meter.Type.COUNTER, "acquires", "miss"),
            new Expected("audio.pool.allocations", Meter.Type.COUNTER, "allocations", null),
            new Expected("audio.pool.leaks", Meter.Type.COUNTER, "leaks", null),
            new Expected("audio.pool.segments", Meter.Type.GAUGE, "segments", null),
            new Expected("audio.pool.segments.max", Meter.Type.GAUGE, "segments", null),
            new Expected("audio.pool.segments.in.use", Meter.Type.GAUGE, "segments", null),
            new Expected("audio.pool.memory", Meter.Type.GAUGE, "bytes", null),
            new Expected("audio.stream.packets", Meter.Type.COUNTER, "packets", null),
            new Expected("audio.stream.bytes", Meter.Type.COUNTER, "bytes", null),
            new Expected("audio.stream.frames", Meter.Type.COUNTER, "frames", null),
            new Expected("audio.stream.overruns", Meter.Type.COUNTER, "overruns", null),
            new Expected("audio.stream.latency", Meter.Type.GAUGE, "seconds", null));

    private AudioCapture capture;
    private AudioStream stream;
    /** The binder's clock: the pool snapshot is refreshed only when a test advances it. */
    private final AtomicLong clock = new AtomicLong();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @BeforeEach
    void open() throws Exception {
        capture = AudioCapture.builder().backend("tone").open();
        stream = capture.openStream(StreamConfig.builder().device("pattern?paced=false")
                .initialSegments(2).maxSegments(8).name(STREAM_NAME).build());
    }

    @AfterEach
    void closeAll() {
        capture.close();
        registry.close();
    }

    private AudioStreamMetrics bind(Iterable<Tag> extraTags) {
        AudioStreamMetrics metrics = new AudioStreamMetrics(stream, extraTags, clock::get);
        metrics.bindTo(registry);
        return metrics;
    }

    /** Lets the binder take a fresh pool snapshot on the next read. */
    private void nextScrape() {
        clock.addAndGet(AudioStreamMetrics.SNAPSHOT_TTL_NANOS);
    }

    private double value(String name, String... tags) {
        Meter meter = registry.find(name).tags(tags).meter();
        assertNotNull(meter, () -> name + " " + List.of(tags) + " is not registered; meters: " + ids());
        if (meter instanceof FunctionCounter c) {
            return c.count();
        }
        if (meter instanceof Gauge g) {
            return g.value();
        }
        return fail(name + " is a " + meter.getClass().getSimpleName() + ", expected a function counter or a gauge");
    }

    private List<String> ids() {
        List<String> ids = new ArrayList<>();
        registry.getMeters().forEach(m -> ids.add(m.getId().toString()));
        return ids;
    }

    @Test
    void everyMeterExistsWithItsTypeBaseUnitDescriptionAndTags() {
        bind(Tags.of("app", "unit-test"));

        for (Expected e : EXPECTED) {
            var search = registry.find(e.name()).tags("stream", STREAM_NAME, "backend", "tone", "app", "unit-test");
            if (e.result() != null) {
                search = search.tag("result", e.result());
            }
            Meter meter = search.meter();
            assertNotNull(meter, () -> e + " missing; registered: " + ids());
            Meter.Id id = meter.getId();
            assertEquals(e.type(), id.getType(), e.name());
            assertEquals(e.baseUnit(), id.getBaseUnit(), e.name() + " base unit");
            assertNotNull(id.getDescription(), e.name() + " description");
            assertFalse(id.getDescription().isBlank(), e.name() + " description");
            if (e.type() == Meter.Type.COUNTER) {
                assertInstanceOf(FunctionCounter.class, meter, e.name() + ": totals are function counters");
            } else {
                assertInstanceOf(Gauge.class, meter, e.name() + ": levels are gauges");
            }
            assertTrue(e.name().matches("[a-z]+(\\.[a-z]+)+"), e.name() + ": lowercase dotted");
            assertFalse(e.name().contains("total") || e.name().contains("seconds") || e.name().contains("micros"),
                    e.name() + ": no total or time-unit suffix by hand (the registry adds them)");
            int expectedTagCount = e.result() == null ? 3 : 4;
            assertEquals(expectedTagCount, id.getTags().size(),
                    e.name() + ": only stream, backend, the extra tags (and result): " + id.getTags());
        }
        assertEquals(EXPECTED.size(), registry.getMeters().size(), "no other meters: " + ids());
    }

    @Test
    void valuesFollowThePoolAndStreamCountersExactlyAfterAKnownSequenceOfPackets() throws Exception {
        bind(Tags.empty());
        int packetBytes = stream.config().packetBytes();
        int packetFrames = stream.config().packetFrames();

        // 10 packets closed one by one: the 2 initial segments serve them all (10 hits).
        for (int i = 0; i < 10; i++) {
            try (AudioPacket p = stream.next()) {
                assertEquals(i, p.sequence());
            }
        }
        nextScrape();
        assertEquals(10, value("audio.pool.acquires", "result", "hit"));
        assertEquals(0, value("audio.pool.acquires", "result", "miss"));
        assertEquals(0, value("audio.pool.allocations"));
        assertEquals(2, value("audio.pool.segments"));
        assertEquals(0, value("audio.pool.segments.in.use"));

        // 5 packets held at once: 2 hits from the free list, then 3 misses that each
        // allocate a segment; the pool grows to 5, all in use.
        List<AudioPacket> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            held.add(stream.next());
        }
        nextScrape();
        assertEquals(12, value("audio.pool.acquires", "result", "hit"));
        assertEquals(3, value("audio.pool.acquires", "result", "miss"));
        assertEquals(3, value("audio.pool.allocations"));
        assertEquals(5, value("audio.pool.segments"));
        assertEquals(5, value("audio.pool.segments.in.use"));
        assertEquals(5.0 * packetBytes, value("audio.pool.memory"));
        held.forEach(AudioPacket::close);

        // One more, closed at once: a hit.
        stream.next().close();
        nextScrape();

        PoolStats s = stream.poolStats();
        assertEquals(new PoolStats(13, 3, 3, 5, 8, 0, 0, packetBytes), s, "the known sequence, as the pool counts it");
        Map<String, Double> expected = Map.ofEntries(
                Map.entry("audio.pool.allocations", (double) s.dynamicAllocations()),
                Map.entry("audio.pool.leaks", (double) s.leaks()),
                Map.entry("audio.pool.segments", (double) s.currentPoolSize()),
                Map.entry("audio.pool.segments.max", (double) s.maxPoolSize()),
                Map.entry("audio.pool.segments.in.use", (double) s.inUse()),
                Map.entry("audio.pool.memory", (double) s.currentPoolSize() * s.segmentBytes()),
                Map.entry("audio.stream.packets", 16.0),
                Map.entry("audio.stream.bytes", 16.0 * packetBytes),
                Map.entry("audio.stream.frames", 16.0 * packetFrames),
                Map.entry("audio.stream.overruns", 0.0));
        expected.forEach((name, v) -> assertEquals(v, value(name), name));
        assertEquals(s.poolHits(), value("audio.pool.acquires", "result", "hit"));
        assertEquals(s.poolMisses(), value("audio.pool.acquires", "result", "miss"));
        assertEquals(stream.packets(), value("audio.stream.packets"));
        assertEquals(stream.bytes(), value("audio.stream.bytes"));
        assertEquals(stream.frames(), value("audio.stream.frames"));
        assertEquals(stream.latency().orElseThrow().toNanos() / 1e9, value("audio.stream.latency"), 1e-3,
                "tone backend: latency as reported");
    }

    @Test
    void aPacketDroppedWithoutCloseIsCountedAsALeak() throws Exception {
        bind(Tags.empty());
        leakOnePacket();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (stream.poolStats().leaks() == 0) {
            if (System.nanoTime() > deadline) {
                fail("the dropped packet was not reclaimed within 30 s of System.gc() calls");
            }
            System.gc();
            Thread.sleep(20);
        }
        nextScrape();
        assertEquals(1, value("audio.pool.leaks"));
        assertEquals(0, value("audio.pool.segments.in.use"), "the leaked segment is back in the pool");
    }

    private void leakOnePacket() throws Exception {
        AudioPacket leaked = stream.next();
        assertTrue(leaked.isOpen());
        // returns without close(): the packet becomes unreachable here
    }

    @Test
    void poolMetersShareOneSnapshotPerScrapeInterval() throws Exception {
        bind(Tags.empty());
        nextScrape();
        assertEquals(0, value("audio.pool.acquires", "result", "hit"));
        stream.next().close();
        assertEquals(0, value("audio.pool.acquires", "result", "hit"), "same interval: the same snapshot");
        assertEquals(1, value("audio.stream.packets"), "stream counters are read directly");
        clock.addAndGet(AudioStreamMetrics.SNAPSHOT_TTL_NANOS - 1);
        assertEquals(0, value("audio.pool.acquires", "result", "hit"), "1 ns before the interval ends");
        clock.addAndGet(1);
        assertEquals(1, value("audio.pool.acquires", "result", "hit"), "a fresh snapshot after the interval");
    }

    @Test
    void closingTheBinderRemovesItsMetersFromEveryRegistryAndIsIdempotent() {
        SimpleMeterRegistry other = new SimpleMeterRegistry();
        AudioStreamMetrics metrics = bind(Tags.empty());
        metrics.bindTo(other);
        // a meter of someone else, which must survive
        registry.counter("unrelated.counter");
        assertEquals(EXPECTED.size() + 1, registry.getMeters().size());
        assertEquals(EXPECTED.size(), other.getMeters().size());

        metrics.close();

        assertEquals(List.of("unrelated.counter"), registry.getMeters().stream().map(m -> m.getId().getName()).toList());
        assertTrue(other.getMeters().isEmpty(), "removed from the second registry too");
        assertDoesNotThrow(metrics::close);
        var e = assertThrows(IllegalStateException.class, () -> metrics.bindTo(registry));
        assertTrue(e.getMessage().contains(STREAM_NAME), e.getMessage());
        assertEquals(1, registry.getMeters().size(), "nothing registered after close");
        other.close();
    }

    @Test
    void metersKeepTheFinalCountsAfterTheStreamClosesAndLatencyBecomesNaN() throws Exception {
        AudioStreamMetrics metrics = bind(Tags.empty());
        for (int i = 0; i < 3; i++) {
            stream.next().close();
        }
        stream.close();
        nextScrape();
        assertEquals(3, value("audio.pool.acquires", "result", "hit"));
        assertEquals(3, value("audio.stream.packets"));
        assertEquals(2, value("audio.pool.segments"));
        assertTrue(Double.isNaN(value("audio.stream.latency")), "a closed stream has no latency");
        metrics.close();
        assertTrue(registry.getMeters().isEmpty());
    }

    @Test
    void theRegistryDoesNotKeepAClosedStreamReachable() throws Exception {
        WeakReference<AudioStream> ref = bindForgottenStreamAndCloseIt();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (ref.get() != null) {
            if (System.nanoTime() > deadline) {
                fail("a closed stream whose binder was never closed is still reachable after 30 s of System.gc()");
            }
            System.gc();
            Thread.sleep(20);
        }
        Meter packets = registry.find("audio.stream.packets").tag("stream", "forgotten").meter();
        assertEquals(2.0, ((FunctionCounter) packets).count(), "a counter keeps its last value");
        Gauge segments = registry.find("audio.pool.segments").tag("stream", "forgotten").gauge();
        assertTrue(Double.isNaN(segments.value()), "a gauge of a collected stream is NaN");
    }

    /** Opens a second stream, binds it, reads once, closes it and forgets stream and binder. */
    private WeakReference<AudioStream> bindForgottenStreamAndCloseIt() throws Exception {
        AudioStream forgotten = capture.openStream(stream.config().toBuilder().name("forgotten").build());
        new AudioStreamMetrics(forgotten, Tags.empty()).bindTo(registry);
        forgotten.next().close();
        forgotten.next().close();
        assertEquals(2.0, registry.find("audio.stream.packets").tag("stream", "forgotten").functionCounter().count());
        forgotten.close();
        return new WeakReference<>(forgotten);
    }

    @Test
    void extraTagsAreAddedAndMayReplaceTheDefaultOnes() {
        bind(Tags.of("stream", "renamed", "host", "a"));
        Meter meter = registry.find("audio.stream.packets").meter();
        assertNotNull(meter);
        assertEquals(Tags.of("backend", "tone", "host", "a", "stream", "renamed"), Tags.of(meter.getId().getTags()));
    }

    @Test
    void constructorRejectsNullsNamingTheArgument() {
        var e = assertThrows(NullPointerException.class, () -> new AudioStreamMetrics(null, Tags.empty()));
        assertEquals("stream", e.getMessage());
        e = assertThrows(NullPointerException.class, () -> new AudioStreamMetrics(stream, null));
        assertEquals("extraTags", e.getMessage());
        MeterRegistry none = null;
        e = assertThrows(NullPointerException.class, () -> new AudioStreamMetrics(stream, Tags.empty()).bindTo(none));
        assertEquals("registry", e.getMessage());
    }
}
