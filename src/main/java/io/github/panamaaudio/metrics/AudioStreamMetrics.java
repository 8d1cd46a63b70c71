package io.github.panamaaudio.metrics;

import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.PoolStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;

/**
 * Exposes an {@link AudioStream}'s pool and capture counters as Micrometer meters.
 *
 * <pre>{@code
 * AudioStreamMetrics metrics = new AudioStreamMetrics(stream, Tags.of("app", "recorder"));
 * metrics.bindTo(registry);
 * // ... capture ...
 * metrics.close(); // removes the meters from the registry
 * }</pre>
 *
 * <p>Every meter is tagged {@code stream} (the {@link io.github.panamaaudio.StreamConfig#name()
 * name the user chose}), {@code backend} ({@code pulse}, {@code tone}) and the extra tags;
 * an extra tag with the key {@code stream} or {@code backend} replaces the default one.
 * Device names and ids are never tags: they are unbounded. Streams bound to one registry
 * need distinct names (or distinguishing extra tags): Micrometer treats meters with the
 * same name and tags as one meter, and would keep reporting the first stream's.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Name</th><th>Type</th><th>Base unit</th><th>Value</th></tr>
 *   <tr><td>{@code audio.pool.acquires}, tag {@code result=hit|miss}</td><td>function counter</td>
 *       <td>acquires</td><td>{@link PoolStats#poolHits()}, {@link PoolStats#poolMisses()}</td></tr>
 *   <tr><td>{@code audio.pool.allocations}</td><td>function counter</td><td>allocations</td>
 *       <td>{@link PoolStats#dynamicAllocations()}</td></tr>
 *   <tr><td>{@code audio.pool.leaks}</td><td>function counter</td><td>leaks</td>
 *       <td>{@link PoolStats#leaks()}</td></tr>
 *   <tr><td>{@code audio.pool.segments}</td><td>gauge</td><td>segments</td>
 *       <td>{@link PoolStats#currentPoolSize()}</td></tr>
 *   <tr><td>{@code audio.pool.segments.max}</td><td>gauge</td><td>segments</td>
 *       <td>{@link PoolStats#maxPoolSize()}</td></tr>
 *   <tr><td>{@code audio.pool.segments.in.use}</td><td>gauge</td><td>segments</td>
 *       <td>{@link PoolStats#inUse()}</td></tr>
 *   <tr><td>{@code audio.pool.memory}</td><td>gauge</td><td>bytes</td>
 *       <td>{@code currentPoolSize × segmentBytes}</td></tr>
 *   <tr><td>{@code audio.stream.packets}</td><td>function counter</td><td>packets</td>
 *       <td>{@link AudioStream#packets()}</td></tr>
 *   <tr><td>{@code audio.stream.bytes}</td><td>function counter</td><td>bytes</td>
 *       <td>{@link AudioStream#bytes()}</td></tr>
 *   <tr><td>{@code audio.stream.frames}</td><td>function counter</td><td>frames</td>
 *       <td>{@link AudioStream#frames()}</td></tr>
 *   <tr><td>{@code audio.stream.overruns}</td><td>function counter</td><td>overruns</td>
 *       <td>{@link AudioStream#overruns()}</td></tr>
 *   <tr><td>{@code audio.stream.latency}</td><td>gauge</td><td>seconds</td>
 *       <td>{@link AudioStream#latency()} in seconds, signed (a loopback may report a negative latency); NaN only when unknown or closed</td></tr>
 * </table>
 *
 * <p>The pool hit rate is not a meter: it is a ratio of two counters, which a
 * monitoring system computes over any window it likes (Prometheus:
 * {@code sum(rate(audio_pool_acquires_total{result="hit"}[1m])) / sum(rate(audio_pool_acquires_total[1m]))}),
 * whereas a gauge of {@link PoolStats#hitRate()} could only show the hit rate since the
 * stream opened.
 *
 * <p>Reading the meters: the eight pool meters share one {@link PoolStats} snapshot taken
 * at most every 100 ms, so one scrape reads the pool's counters once, not eight times,
 * and the pool meters of one scrape are consistent with each other. The stream is
 * referenced weakly by the meters, as Micrometer's binders do: a stream that became
 * unreachable keeps its last counter values and reports NaN gauges. After the stream is
 * closed the meters keep reporting its final counters (latency: NaN) until this binder is
 * closed.
 *
 * <p>micrometer-core is an optional dependency of the library: only this package needs
 * it, and the rest of the library loads and captures without it.
 *
 * <p>Thread-safety: thread-safe. {@link #bindTo} and {@link #close} may be called from any
 * thread; meters may be read concurrently. {@code close()} is idempotent; binding after
 * it throws {@link IllegalStateException}.
 */
public final class AudioStreamMetrics implements MeterBinder, AutoCloseable {

    /** How long one pool snapshot serves the pool meters. */
    static final long SNAPSHOT_TTL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final String ACQUIRES_DESCRIPTION = "Segments handed out by the stream's pool;"
            + " result=hit: taken from the free list at once, result=miss: a segment had to be allocated"
            + " or waited for";

    private final AudioStream stream;
    private final Tags tags;
    private final PoolSnapshots snapshots;
    /** Meters this binder registered, with their registries; guarded by {@code this}. */
    private final List<Registered> registered = new ArrayList<>();
    /** Guarded by {@code this}. */
    private boolean closed;

    /**
     * Creates a binder for one stream; nothing is registered until {@link #bindTo}.
     *
     * @param stream    the stream to observe
     * @param extraTags tags added to every meter, e.g. {@code Tags.of("app", "recorder")};
     *                  keep them low-cardinality
     */
    public AudioStreamMetrics(AudioStream stream, Iterable<Tag> extraTags) {
        this(stream, extraTags, System::nanoTime);
    }

    /** For tests: {@code nanoClock} decides when the pool snapshot is refreshed. */
    AudioStreamMetrics(AudioStream stream, Iterable<Tag> extraTags, LongSupplier nanoClock) {
        this.stream = Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(extraTags, "extraTags");
        this.tags = Tags.of("stream", stream.config().name(), "backend", stream.backend()).and(extraTags);
        this.snapshots = new PoolSnapshots(Objects.requireNonNull(nanoClock, "nanoClock"));
    }

    /**
     * Registers the meters in {@code registry}. May be called for several registries;
     * {@link #close()} removes the meters from all of them.
     *
     * @throws IllegalStateException if this binder is closed
     */
    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (closed) {
            throw new IllegalStateException("AudioStreamMetrics for stream " + stream.config().name()
                    + " is closed");
        }
        // The lambdas capture only `pool` (never `this` or the stream), so the registry
        // holds the stream through Micrometer's weak reference alone.
        PoolSnapshots pool = snapshots;
        AudioStream s = stream; // the observed object, handed to each builder

        counter(registry, "audio.pool.acquires", s, st -> pool.of(st).poolHits(), "acquires",
                ACQUIRES_DESCRIPTION, Tags.of("result", "hit"));
        counter(registry, "audio.pool.acquires", s, st -> pool.of(st).poolMisses(), "acquires",
                ACQUIRES_DESCRIPTION, Tags.of("result", "miss"));
        counter(registry, "audio.pool.allocations", s, st -> pool.of(st).dynamicAllocations(), "allocations",
                "Segments the pool allocated after it was created, because of a miss", Tags.empty());
        counter(registry, "audio.pool.leaks", s, st -> pool.of(st).leaks(), "leaks",
                "Segments reclaimed from packets garbage-collected without close(); each is a caller bug",
                Tags.empty());

        gauge(registry, "audio.pool.segments", s, st -> pool.of(st).currentPoolSize(), "segments",
                "Segments the pool holds now, free or in use");
        gauge(registry, "audio.pool.segments.max", s, st -> pool.of(st).maxPoolSize(), "segments",
                "Most segments the pool may hold");
        gauge(registry, "audio.pool.segments.in.use", s, st -> pool.of(st).inUse(), "segments",
                "Segments held now by the reader or by packets not yet closed");
        gauge(registry, "audio.pool.memory", s, st -> memoryBytes(pool.of(st)), BaseUnits.BYTES,
                "Off-heap memory in the pool's segments (segments times segment size, without alignment padding)");

        counter(registry, "audio.stream.packets", s, AudioStream::packets, "packets",
                "Packets the stream delivered", Tags.empty());
        counter(registry, "audio.stream.bytes", s, AudioStream::bytes, BaseUnits.BYTES,
                "Audio bytes the stream delivered", Tags.empty());
        counter(registry, "audio.stream.frames", s, AudioStream::frames, "frames",
                "Audio frames (one sample of every channel) the stream delivered", Tags.empty());
        counter(registry, "audio.stream.overruns", s, AudioStream::overruns, "overruns",
                "Packets that followed lost audio (the reader fell behind, or the server reported a hole)",
                Tags.empty());
        gauge(registry, "audio.stream.latency", s, AudioStreamMetrics::latencySeconds, "seconds",
                "Latency the audio server last reported, from capture to the read position; NaN when unknown");
    }

    private void counter(MeterRegistry registry, String name, AudioStream s, ToDoubleFunction<AudioStream> f,
                         String baseUnit, String description, Tags more) {
        remember(registry, FunctionCounter.builder(name, s, f)
                .baseUnit(baseUnit)
                .description(description)
                .tags(tags)
                .tags(more)
                .register(registry));
    }

    private void gauge(MeterRegistry registry, String name, AudioStream s, ToDoubleFunction<AudioStream> f,
                       String baseUnit, String description) {
        remember(registry, Gauge.builder(name, s, f)
                .baseUnit(baseUnit)
                .description(description)
                .tags(tags)
                .register(registry));
    }

    private void remember(MeterRegistry registry, Meter meter) {
        registered.add(new Registered(registry, meter));
    }

    private static double memoryBytes(PoolStats p) {
        return (double) p.currentPoolSize() * p.segmentBytes();
    }

    private static double latencySeconds(AudioStream s) {
        return s.latency().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** Removes every meter this binder registered from its registry. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Registered r : registered) {
            r.registry().remove(r.meter());
        }
        registered.clear();
    }

    @Override
    public String toString() {
        return "AudioStreamMetrics[" + tags + "]";
    }

    private record Registered(MeterRegistry registry, Meter meter) {
    }

    /**
     * One {@link PoolStats} snapshot shared by the pool meters for
     * {@link #SNAPSHOT_TTL_NANOS}. Synchronized so that a refresh never replaces a newer
     * snapshot with an older one: counters read through it never go backwards.
     * Holds no reference to the stream.
     */
    private static final class PoolSnapshots {
        private final LongSupplier nanoClock;
        private PoolStats stats; // guarded by this
        private long takenAt;    // guarded by this

        PoolSnapshots(LongSupplier nanoClock) {
            this.nanoClock = nanoClock;
        }

        synchronized PoolStats of(AudioStream s) {
            long now = nanoClock.getAsLong();
            if (stats == null || now - takenAt >= SNAPSHOT_TTL_NANOS) {
                stats = s.poolStats();
                takenAt = now;
            }
            return stats;
        }
    }
}
