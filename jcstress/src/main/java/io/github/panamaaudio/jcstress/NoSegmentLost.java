package io.github.panamaaudio.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.github.panamaaudio.PoolStats;
import io.github.panamaaudio.pool.SegmentPool;
import io.github.panamaaudio.pool.SegmentPool.Slot;

import java.util.concurrent.TimeUnit;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIIII_Result;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Invariant: no segment is lost. After concurrent acquires and releases, every
 * segment the pool created is on its free list again (the arbiter drains it), the
 * counters say nothing is in use, and an acquire waiting for a release is woken by it.
 */
public final class NoSegmentLost {

    private NoSegmentLost() {
    }

    /**
     * Takes every slot the pool will still hand out and returns how many of them came
     * off the free list: tryAcquire also allocates up to maxSegments, so the segments
     * it allocated while draining are subtracted.
     */
    static int drainFree(SegmentPool pool) {
        long allocatedBefore = pool.stats().dynamicAllocations();
        int n = 0;
        while (pool.tryAcquire() != null) {
            n++;
        }
        return n - (int) (pool.stats().dynamicAllocations() - allocatedBefore);
    }

    /**
     * Both actors acquire and release once on a pool with one segment and room for a
     * second. Result: the two slot indices, then (after both released) segments in
     * use, segments created, segments found on the free list by draining, and
     * acquires counted.
     */
    @JCStressTest
    @Description("Acquire/release pairs: every created segment is free again afterwards and the counters add up.")
    @Outcome(id = "0, 0, 0, 1, 1, 2", expect = ACCEPTABLE,
            desc = "the pairs did not overlap: one segment served both, and is free")
    @Outcome(id = {"0, 1, 0, 2, 2, 2", "1, 0, 0, 2, 2, 2"}, expect = ACCEPTABLE,
            desc = "the pairs overlapped: a second segment was allocated; both are free")
    @Outcome(expect = FORBIDDEN, desc = "a segment is missing from the free list, or the counters disagree")
    @State
    public static class AcquireReleasePairs {
        final SegmentPool pool = SegmentPool.create(64, 1, 2);

        @Actor
        public void actor1(IIIIII_Result r) {
            Slot slot = pool.tryAcquire();
            r.r1 = NoSegmentLeasedTwice.index(slot);
            if (slot != null) {
                pool.release(slot);
            }
        }

        @Actor
        public void actor2(IIIIII_Result r) {
            Slot slot = pool.tryAcquire();
            r.r2 = NoSegmentLeasedTwice.index(slot);
            if (slot != null) {
                pool.release(slot);
            }
        }

        @Arbiter
        public void arbiter(IIIIII_Result r) {
            PoolStats stats = pool.stats();
            r.r3 = stats.inUse();
            r.r4 = stats.currentPoolSize();
            r.r5 = drainFree(pool);
            r.r6 = (int) stats.acquires();
            pool.close();
        }
    }

    /**
     * No lost wake-up: the only segment is leased; actor 1 releases it while actor 2
     * acquires with a 10 s timeout (spinning, then parking on the pool's condition).
     * Result: the index actor 2 got ({@code -1}: timed out), segments in use after it,
     * and timed-out acquires.
     */
    @JCStressTest
    @Description("A waiting acquire is woken by a concurrent release and gets the segment.")
    @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "the acquire got the released segment")
    @Outcome(expect = FORBIDDEN, desc = "the acquire missed the release (lost wake-up) or the counters disagree")
    @State
    public static class ReleaseWakesWaitingAcquire {
        final SegmentPool pool = SegmentPool.create(64, 1, 1);
        final Slot held = pool.tryAcquire();

        @Actor
        public void releaser() {
            pool.release(held);
        }

        @Actor
        public void waiter(III_Result r) {
            try {
                r.r1 = NoSegmentLeasedTwice.index(pool.acquire(10, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                r.r1 = -2;
            }
        }

        @Arbiter
        public void arbiter(III_Result r) {
            r.r2 = pool.stats().inUse();
            r.r3 = (int) pool.acquireTimeouts();
            pool.close();
        }
    }
}
