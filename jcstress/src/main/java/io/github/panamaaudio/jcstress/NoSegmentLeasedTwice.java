package io.github.panamaaudio.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import io.github.panamaaudio.pool.SegmentPool;
import io.github.panamaaudio.pool.SegmentPool.Slot;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * Invariant: no segment is leased twice. Two actors each end up holding one slot at
 * the same time; the result is the pair of slot indices they hold ({@code -1}: none).
 * Equal indices mean one segment was handed to both. A {@code -1} is the other
 * invariant's failure ({@link NoSegmentLost}) and is forbidden here too, since in
 * these setups a slot is always available.
 */
public final class NoSegmentLeasedTwice {

    private NoSegmentLeasedTwice() {
    }

    static int index(Slot slot) {
        return slot == null ? -1 : slot.index();
    }

    /**
     * The free list alone: both segments exist and are leased; each actor releases its
     * own and acquires one, racing the other actor's release and acquire on the
     * lock-free free list (CAS on the consumer index, then on the slot's state).
     */
    @JCStressTest
    @Description("Release and re-acquire on the free list: two actors never lease the same segment.")
    @Outcome(id = {"0, 1", "1, 0"}, expect = ACCEPTABLE, desc = "each actor holds a different segment")
    @Outcome(id = {"0, 0", "1, 1"}, expect = FORBIDDEN, desc = "one segment is leased to both actors")
    @Outcome(expect = FORBIDDEN, desc = "an actor got no segment although one was free")
    @State
    public static class ReleaseThenAcquire {
        final SegmentPool pool = SegmentPool.create(64, 2, 2);
        final Slot first = pool.tryAcquire();
        final Slot second = pool.tryAcquire();

        @Actor
        public void actor1(II_Result r) {
            pool.release(first);
            r.r1 = index(pool.tryAcquire());
        }

        @Actor
        public void actor2(II_Result r) {
            pool.release(second);
            r.r2 = index(pool.tryAcquire());
        }

        @Arbiter
        public void arbiter(II_Result r) {
            pool.close();
        }
    }

    /**
     * The allocation path against the free list: segment 0 exists and is leased, one
     * more may be allocated. Actor 1 acquires (from the free list or by allocating
     * segment 1); actor 2 releases segment 0 and acquires.
     */
    @JCStressTest
    @Description("Allocation racing a release and an acquire: a new segment and a recycled one are never the same.")
    @Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "actor 1 took the released segment, actor 2 allocated")
    @Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "actor 1 allocated, actor 2 took its released segment back")
    @Outcome(id = {"0, 0", "1, 1"}, expect = FORBIDDEN, desc = "one segment is leased to both actors")
    @Outcome(expect = FORBIDDEN, desc = "an actor got no segment although one was free or could be allocated")
    @State
    public static class AllocateOrReuse {
        final SegmentPool pool = SegmentPool.create(64, 1, 2);
        final Slot held = pool.tryAcquire();

        @Actor
        public void actor1(II_Result r) {
            r.r1 = index(pool.tryAcquire());
        }

        @Actor
        public void actor2(II_Result r) {
            pool.release(held);
            r.r2 = index(pool.tryAcquire());
        }

        @Arbiter
        public void arbiter(II_Result r) {
            pool.close();
        }
    }
}
