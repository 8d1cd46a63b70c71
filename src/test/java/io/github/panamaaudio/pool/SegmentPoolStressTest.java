package io.github.panamaaudio.pool;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.PoolStats;
import io.github.panamaaudio.pool.SegmentPool.Slot;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Contention tests: the pool's invariants hold exactly when threads fight over few segments. */
class SegmentPoolStressTest {

    private static final int THREADS = 4;

    /**
     * 4 threads share 3 segments (1 initial), so they both allocate and wait. Each thread stamps
     * its id over the whole segment after acquiring and checks every stamp is still its own
     * before releasing: a slot leased to two threads at once would show another id. An owner
     * table updated by CAS checks the same from the pool's side.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void fourThreadsDoAMillionAcquireReleasePairsWithoutEverSharingASlotAndCountersAddUpExactly()
            throws Exception {
        final int pairs = 1_000_000;
        final int perThread = pairs / THREADS;
        final int maxSegments = 3;
        final int segmentBytes = 64;
        try (SegmentPool pool = SegmentPool.create(segmentBytes, 1, maxSegments);
             ExecutorService executor = Executors.newFixedThreadPool(THREADS)) {
            AtomicIntegerArray owner = new AtomicIntegerArray(maxSegments); // 0 = nobody
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<Long>> results = new ArrayList<>();
            for (int t = 1; t <= THREADS; t++) {
                final int id = t;
                results.add(executor.submit(() -> {
                    start.await();
                    long corrupt = 0;
                    for (int i = 0; i < perThread; i++) {
                        Slot slot = pool.acquire(10, TimeUnit.SECONDS);
                        if (slot == null) {
                            throw new AssertionError("thread " + id + " timed out at " + i);
                        }
                        if (!owner.compareAndSet(slot.index(), 0, id)) {
                            throw new AssertionError("slot " + slot.index() + " leased to " + id
                                    + " while owned by " + owner.get(slot.index()));
                        }
                        MemorySegment segment = slot.segment();
                        for (long off = 0; off < segmentBytes; off += Integer.BYTES) {
                            segment.set(JAVA_INT, off, id);
                        }
                        if ((i & 0xF) == 0) {
                            Thread.yield(); // hold the slot across a reschedule: others must wait
                        }
                        for (long off = 0; off < segmentBytes; off += Integer.BYTES) {
                            if (segment.get(JAVA_INT, off) != id) {
                                corrupt++;
                            }
                        }
                        if (!owner.compareAndSet(slot.index(), id, 0)) {
                            throw new AssertionError("slot " + slot.index() + " stolen from " + id);
                        }
                        pool.release(slot);
                    }
                    return corrupt;
                }));
            }
            long corrupt = 0;
            for (Future<Long> result : results) {
                corrupt += result.get(50, TimeUnit.SECONDS);
            }
            PoolStats stats = pool.stats();
            assertEquals(0, corrupt, "stamps overwritten by another thread");
            assertEquals(pairs, stats.poolHits() + stats.poolMisses(), stats.toString());
            assertEquals(0, stats.inUse(), stats.toString());
            assertTrue(stats.currentPoolSize() <= maxSegments, stats.toString());
            assertEquals(stats.currentPoolSize() - 1, stats.dynamicAllocations(), stats.toString());
            assertTrue(stats.poolMisses() > stats.dynamicAllocations(),
                    "some acquires must have waited, or the waiting path went untested: " + stats);
            assertEquals(0, pool.acquireTimeouts());
        }
    }

    /**
     * Threads acquire from a pool that has to allocate every segment while another thread closes
     * it. Each call either returns a slot or throws "pool closed"; afterwards the counters match
     * the slots actually handed out and no reservation was left half counted.
     */
    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void closeRacingWithAllocatingAcquiresLeavesCountsMatchingTheSlotsHandedOut() throws Exception {
        for (int round = 0; round < 200; round++) {
            SegmentPool pool = SegmentPool.create(4096, 0, 10_000);
            LongAdder handedOut = new LongAdder();
            LongAdder unexpected = new LongAdder();
            CountDownLatch started = new CountDownLatch(THREADS);
            try (ExecutorService executor = Executors.newFixedThreadPool(THREADS)) {
                for (int t = 0; t < THREADS; t++) {
                    executor.execute(() -> {
                        started.countDown();
                        try {
                            for (;;) {
                                Slot slot = pool.tryAcquire();
                                if (slot == null) {
                                    return; // at max: fine, nothing counted
                                }
                                handedOut.increment();
                            }
                        } catch (IllegalStateException e) {
                            if (!"pool closed".equals(e.getMessage())) {
                                unexpected.increment();
                            }
                        } catch (RuntimeException | Error e) {
                            unexpected.increment();
                        }
                    });
                }
                started.await();
                pool.close();
            }
            PoolStats stats = pool.stats();
            assertEquals(0, unexpected.sum(), "round " + round);
            assertEquals(handedOut.sum(), stats.acquires(), "round " + round + ": " + stats);
            assertEquals(handedOut.sum(), stats.poolMisses(), "round " + round + ": " + stats);
            assertEquals(stats.dynamicAllocations(), stats.currentPoolSize(), "round " + round + ": " + stats);
            assertEquals(handedOut.sum(), stats.currentPoolSize(), "round " + round + ": " + stats);
        }
    }
}
