package io.github.panamaaudio.bench.jmh;

import io.github.panamaaudio.pool.SegmentPool;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The segment pool alone: one {@code tryAcquire()} and one {@code release()} per
 * operation, by one thread and by two threads sharing the pool (the free list is
 * multi-producer multi-consumer; two threads is what a reader thread plus a consumer
 * thread closing packets looks like). The pool holds 16 segments of 3 840 B, so an
 * acquire never waits and never allocates.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PoolBenchmark {

    private SegmentPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        pool = SegmentPool.create(3_840, 16, 16);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    @Threads(1)
    public SegmentPool.Slot acquireRelease1Thread() {
        return acquireRelease();
    }

    @Benchmark
    @Threads(2)
    public SegmentPool.Slot acquireRelease2Threads() {
        return acquireRelease();
    }

    private SegmentPool.Slot acquireRelease() {
        SegmentPool.Slot slot = pool.tryAcquire();
        if (slot == null) {
            throw new IllegalStateException("the pool ran dry: " + pool.stats());
        }
        pool.release(slot);
        return slot;
    }
}
