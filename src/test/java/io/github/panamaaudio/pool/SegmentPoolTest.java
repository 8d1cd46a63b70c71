package io.github.panamaaudio.pool;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.PoolStats;
import io.github.panamaaudio.pool.SegmentPool.Slot;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SegmentPoolTest {

    private static final long WAIT_SECONDS = 10;

    // ---- validation -------------------------------------------------------------------

    @Test
    void createRejectsSegmentBytesOutOfRangeNamingParameterValueAndRange() {
        for (long bad : new long[] {0, -1, Integer.MAX_VALUE + 1L}) {
            var e = assertThrows(IllegalArgumentException.class, () -> SegmentPool.create(bad, 0, 1));
            assertEquals("segmentBytes must be in [1, 2147483647], was " + bad, e.getMessage());
        }
    }

    @Test
    void createRejectsMaxSegmentsOutOfRangeNamingParameterValueAndRange() {
        for (int bad : new int[] {0, -5, 1_000_001}) {
            var e = assertThrows(IllegalArgumentException.class, () -> SegmentPool.create(64, 0, bad));
            assertEquals("maxSegments must be in [1, 1000000], was " + bad, e.getMessage());
        }
    }

    @Test
    void createRejectsInitialSegmentsOutsideZeroToMaxNamingParameterValueAndRange() {
        for (int bad : new int[] {-1, 9}) {
            var e = assertThrows(IllegalArgumentException.class, () -> SegmentPool.create(64, bad, 8));
            assertEquals("initialSegments must be in [0, maxSegments = 8], was " + bad, e.getMessage());
        }
    }

    @Test
    void createAcceptsTheBoundsOfEveryRange() {
        try (SegmentPool a = SegmentPool.create(1, 0, 1);
             SegmentPool b = SegmentPool.create(64, 1, 1)) {
            assertEquals(1, a.segmentBytes());
            assertEquals(1, b.maxSegments());
        }
        try (SegmentPool big = SegmentPool.create(Integer.MAX_VALUE, 0, SegmentPool.MAX_SEGMENTS_LIMIT)) {
            assertEquals(SegmentPool.MAX_SEGMENTS_LIMIT, big.maxSegments());
        }
    }

    // ---- layout -----------------------------------------------------------------------

    @Test
    void segmentsAreSixtyFourByteAlignedExactlySegmentBytesLongAndDisjoint() {
        try (SegmentPool pool = SegmentPool.create(100, 3, 6)) {
            List<Slot> slots = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                slots.add(pool.tryAcquire()); // 3 from the initial slab, 3 from dynamic slabs
            }
            Set<Integer> indices = new HashSet<>();
            for (Slot slot : slots) {
                MemorySegment segment = slot.segment();
                assertEquals(100, segment.byteSize(), "size of slot " + slot.index());
                assertEquals(0, segment.address() % 64, "alignment of slot " + slot.index());
                assertTrue(indices.add(slot.index()), "index unique: " + slot.index());
                segment.fill((byte) slot.index());
            }
            for (Slot slot : slots) {
                MemorySegment segment = slot.segment();
                for (long i = 0; i < segment.byteSize(); i++) {
                    assertEquals((byte) slot.index(), segment.get(JAVA_BYTE, i), "overlap at slot " + slot.index());
                }
            }
            assertEquals(Set.of(0, 1, 2, 3, 4, 5), indices);
        }
    }

    @Test
    void initialSegmentsShareOneSlabAtAStrideOfSegmentBytesRoundedUpTo64() {
        try (SegmentPool pool = SegmentPool.create(65, 3, 3)) {
            long a0 = pool.tryAcquire().segment().address();
            long a1 = pool.tryAcquire().segment().address();
            long a2 = pool.tryAcquire().segment().address();
            assertEquals(128, a1 - a0);
            assertEquals(128, a2 - a1);
        }
    }

    @Test
    void theSegmentReleasedLastIsLeasedFirstSoTheWorkingSetStaysCacheHot() {
        try (SegmentPool pool = SegmentPool.create(3840, 16, 16)) {
            Slot a = pool.tryAcquire();
            Slot b = pool.tryAcquire();
            Slot c = pool.tryAcquire();
            pool.release(a);
            pool.release(c);
            pool.release(b);
            assertSame(b, pool.tryAcquire(), "released last");
            assertSame(c, pool.tryAcquire());
            assertSame(a, pool.tryAcquire());
            // one packet at a time: always the same segment, never a rotation through all 16
            Set<Long> addresses = new java.util.HashSet<>();
            for (int i = 0; i < 1000; i++) {
                Slot s = pool.tryAcquire();
                addresses.add(s.segment().address());
                pool.release(s);
            }
            assertEquals(1, addresses.size(), "segments used by 1000 acquire/release pairs");
        }
    }

    @Test
    void closeWhileANativeCallUsesASegmentFreesTheMemoryWhenTheCallReturns() throws Exception {
        SegmentPool pool = SegmentPool.create(64, 1, 1);
        Slot slot = pool.tryAcquire();
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        // fill the pipe so that the next write blocks, holding the segment's arena
        pipe.sink().configureBlocking(false);
        java.nio.ByteBuffer junk = java.nio.ByteBuffer.allocate(1 << 16);
        while (pipe.sink().write(junk.clear()) > 0) {
            // until full
        }
        pipe.sink().configureBlocking(true);
        java.util.concurrent.FutureTask<Integer> writer = new java.util.concurrent.FutureTask<>(
                () -> pipe.sink().write(slot.segment().asByteBuffer()));
        Thread writerThread = new Thread(writer, "blocked-writer");
        writerThread.start();
        awaitBlockedInNativeWrite(writerThread);
        pool.close(); // must not throw, must not free under the writer
        assertTrue(pool.isClosed());
        assertFalse(pool.isMemoryFreed(), "freed while a write was using the segment");
        java.nio.ByteBuffer drain = java.nio.ByteBuffer.allocate(1 << 16);
        pipe.source().configureBlocking(false);
        while (!writer.isDone()) {
            if (pipe.source().read(drain.clear()) == 0) {
                Thread.sleep(1);
            }
        }
        assertEquals(64, writer.get());
        writerThread.join();
        long until = System.nanoTime() + 5_000_000_000L;
        while (!pool.isMemoryFreed() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertTrue(pool.isMemoryFreed(), "the memory was not freed after the write returned");
        pool.release(slot); // after close: ends the lease, harmless
        pipe.sink().close();
        pipe.source().close();
    }

    /** Waits until {@code t} is inside the blocking write (which holds the segment's arena acquired). */
    static void awaitBlockedInNativeWrite(Thread t) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < until) {
            if (java.util.Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().equals("write0"))) {
                Thread.sleep(20); // inside write0: the arena was acquired before the call
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the writer never blocked in a blocking write");
    }

    // ---- counting ---------------------------------------------------------------------

    @Test
    void initialSegmentsAreHitsAndAllocateNothing() {
        try (SegmentPool pool = SegmentPool.create(256, 4, 8)) {
            for (int i = 0; i < 4; i++) {
                assertNotNull(pool.tryAcquire());
            }
            PoolStats stats = pool.stats();
            assertAll(
                    () -> assertEquals(4, stats.poolHits()),
                    () -> assertEquals(0, stats.poolMisses()),
                    () -> assertEquals(0, stats.dynamicAllocations()),
                    () -> assertEquals(4, stats.currentPoolSize()),
                    () -> assertEquals(4, stats.inUse()),
                    () -> assertEquals(8, stats.maxPoolSize()),
                    () -> assertEquals(256, stats.segmentBytes()));
        }
    }

    @Test
    void aMissBelowMaxAllocatesOneSegmentAndCountsOneMissAndOneDynamicAllocation() {
        try (SegmentPool pool = SegmentPool.create(64, 1, 3)) {
            assertNotNull(pool.tryAcquire());
            Slot allocated = pool.tryAcquire();
            assertNotNull(allocated);
            PoolStats stats = pool.stats();
            assertEquals(1, stats.poolHits());
            assertEquals(1, stats.poolMisses());
            assertEquals(1, stats.dynamicAllocations());
            assertEquals(2, stats.currentPoolSize());
            assertEquals(1, allocated.index());
        }
    }

    @Test
    void neverMoreThanMaxSegmentsExistAndAFailedTryAcquireCountsNothing() {
        try (SegmentPool pool = SegmentPool.create(64, 0, 3)) {
            for (int i = 0; i < 3; i++) {
                assertNotNull(pool.tryAcquire());
            }
            assertNull(pool.tryAcquire());
            assertNull(pool.tryAcquire());
            PoolStats stats = pool.stats();
            assertEquals(3, stats.currentPoolSize());
            assertEquals(3, stats.dynamicAllocations());
            assertEquals(3, stats.poolMisses());
            assertEquals(0, stats.poolHits());
            assertEquals(0, pool.acquireTimeouts());
        }
    }

    @Test
    void aReleasedSegmentIsReusedAsAHitWithoutAllocating() {
        try (SegmentPool pool = SegmentPool.create(64, 0, 4)) {
            Slot first = pool.tryAcquire();
            pool.release(first);
            assertSame(first, pool.tryAcquire());
            PoolStats stats = pool.stats();
            assertEquals(1, stats.poolHits());
            assertEquals(1, stats.poolMisses());
            assertEquals(1, stats.currentPoolSize());
        }
    }

    @Test
    void hitsPlusMissesEqualSuccessfulAcquiresAndInUseReturnsToZero() throws InterruptedException {
        SplittableRandom random = new SplittableRandom(42);
        try (SegmentPool pool = SegmentPool.create(64, 2, 5)) {
            ArrayDeque<Slot> held = new ArrayDeque<>();
            long successful = 0;
            long nulls = 0;
            for (int i = 0; i < 10_000; i++) {
                int action = random.nextInt(3);
                if (action == 0 && !held.isEmpty()) {
                    pool.release(random.nextBoolean() ? held.pollFirst() : held.pollLast());
                    continue;
                }
                Slot slot = action == 1 ? pool.tryAcquire() : pool.acquire(0, TimeUnit.NANOSECONDS);
                if (slot == null) {
                    nulls++;
                } else {
                    successful++;
                    held.add(slot);
                }
                assertEquals(held.size(), pool.stats().inUse());
            }
            held.forEach(pool::release);
            PoolStats stats = pool.stats();
            assertTrue(nulls > 0, "the sequence must hit max to test anything");
            assertEquals(successful, stats.poolHits() + stats.poolMisses());
            assertEquals(successful, stats.acquires());
            assertEquals(0, stats.inUse());
            assertTrue(stats.currentPoolSize() <= 5);
        }
    }

    @Test
    void hitRateOverOneHundredThousandCyclesWithFourInitialSegmentsIsAtLeast99Point9Percent() throws Exception {
        // Like a stream: a reader thread acquires and hands packets to a consumer thread that
        // closes them; up to 5 are in flight (3 queued + one on each side), so the 4 initial
        // segments are not always enough. The rate is measured, not assumed.
        final int cycles = 100_000;
        try (SegmentPool pool = SegmentPool.create(1024, 4, 16);
             ExecutorService executor = Executors.newFixedThreadPool(1)) {
            BlockingQueue<Slot> handoff = new ArrayBlockingQueue<>(3);
            Future<?> consumer = executor.submit(() -> {
                for (int i = 0; i < cycles; i++) {
                    pool.release(handoff.take());
                }
                return null;
            });
            for (int i = 0; i < cycles; i++) {
                Slot slot = pool.acquire(WAIT_SECONDS, TimeUnit.SECONDS);
                assertNotNull(slot, "acquire timed out at cycle " + i);
                handoff.put(slot);
            }
            consumer.get(WAIT_SECONDS, TimeUnit.SECONDS);
            PoolStats stats = pool.stats();
            assertEquals(cycles, stats.acquires());
            assertEquals(0, stats.inUse());
            assertEquals((double) stats.poolHits() / cycles, stats.hitRate());
            assertTrue(stats.hitRate() >= 0.999, "hit rate " + stats.hitRate() + " in " + stats);
        }
    }

    // ---- waiting ----------------------------------------------------------------------

    @Test
    void atMaxAcquireWaitsAndGetsTheSegmentReleasedByAnotherThreadCountingOneMiss() throws Exception {
        try (SegmentPool pool = SegmentPool.create(64, 1, 1);
             ExecutorService executor = Executors.newFixedThreadPool(1)) {
            Slot held = pool.tryAcquire();
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<Slot> waiting = executor.submit(() -> {
                waiter.set(Thread.currentThread());
                return pool.acquire(WAIT_SECONDS, TimeUnit.SECONDS);
            });
            awaitParked(waiter);
            assertFalse(waiting.isDone());
            pool.release(held);
            assertSame(held, waiting.get(WAIT_SECONDS, TimeUnit.SECONDS));
            PoolStats stats = pool.stats();
            assertEquals(1, stats.poolHits());
            assertEquals(1, stats.poolMisses());
            assertEquals(0, stats.dynamicAllocations());
            assertEquals(0, pool.acquireTimeouts());
        }
    }

    @Test
    void acquireTimesOutReturningNullAndCountsATimeoutNotAMiss() throws InterruptedException {
        try (SegmentPool pool = SegmentPool.create(64, 1, 1)) {
            assertNotNull(pool.tryAcquire());
            long start = System.nanoTime();
            assertNull(pool.acquire(50, TimeUnit.MILLISECONDS));
            long elapsed = System.nanoTime() - start;
            assertTrue(elapsed >= TimeUnit.MILLISECONDS.toNanos(50), "returned after " + elapsed + " ns");
            assertNull(pool.acquire(0, TimeUnit.SECONDS));
            assertEquals(2, pool.acquireTimeouts());
            assertEquals(1, pool.stats().acquires());
        }
    }

    @Test
    void acquireWithAHugeTimeoutDoesNotOverflowAndStillGetsAReleasedSlot() throws Exception {
        try (SegmentPool pool = SegmentPool.create(64, 1, 1);
             ExecutorService executor = Executors.newFixedThreadPool(1)) {
            Slot held = pool.tryAcquire();
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<Slot> waiting = executor.submit(() -> {
                waiter.set(Thread.currentThread());
                return pool.acquire(Long.MAX_VALUE, TimeUnit.DAYS);
            });
            awaitParked(waiter);
            pool.release(held);
            assertSame(held, waiting.get(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void anInterruptedWaitingAcquireThrowsInterruptedExceptionAndCountsNothing() throws Exception {
        try (SegmentPool pool = SegmentPool.create(64, 1, 1);
             ExecutorService executor = Executors.newFixedThreadPool(1)) {
            assertNotNull(pool.tryAcquire());
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<Slot> waiting = executor.submit(() -> {
                waiter.set(Thread.currentThread());
                return pool.acquire(WAIT_SECONDS, TimeUnit.SECONDS);
            });
            awaitParked(waiter);
            waiter.get().interrupt();
            var e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> waiting.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof InterruptedException, String.valueOf(e.getCause()));
            assertEquals(1, pool.stats().acquires());
            assertEquals(0, pool.acquireTimeouts());
        }
    }

    @Test
    void closeWakesAWaitingAcquireWhichThrowsPoolClosed() throws Exception {
        try (ExecutorService executor = Executors.newFixedThreadPool(1)) {
            SegmentPool pool = SegmentPool.create(64, 1, 1);
            assertNotNull(pool.tryAcquire());
            AtomicReference<Thread> waiter = new AtomicReference<>();
            Future<Slot> waiting = executor.submit(() -> {
                waiter.set(Thread.currentThread());
                return pool.acquire(WAIT_SECONDS, TimeUnit.SECONDS);
            });
            awaitParked(waiter);
            pool.close();
            var e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> waiting.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof IllegalStateException, String.valueOf(e.getCause()));
            assertEquals("pool closed", e.getCause().getMessage());
            assertEquals(1, pool.stats().acquires());
        }
    }

    // ---- release ----------------------------------------------------------------------

    @Test
    void releasingASlotTwiceThrowsIllegalStateNamingTheSlotIndex() {
        try (SegmentPool pool = SegmentPool.create(64, 3, 3)) {
            pool.tryAcquire();
            Slot slot = pool.tryAcquire();
            pool.release(slot);
            var e = assertThrows(IllegalStateException.class, () -> pool.release(slot));
            assertTrue(e.getMessage().contains("slot " + slot.index()), e.getMessage());
            assertEquals(1, pool.stats().inUse(), "the failed release changed no counter");
        }
    }

    @Test
    void releasingASlotOfAnotherPoolThrowsIllegalArgument() {
        try (SegmentPool one = SegmentPool.create(64, 1, 1);
             SegmentPool other = SegmentPool.create(64, 1, 1)) {
            Slot slot = one.tryAcquire();
            assertThrows(IllegalArgumentException.class, () -> other.release(slot));
            assertThrows(IllegalArgumentException.class, () -> other.reclaimLeaked(slot));
            assertThrows(NullPointerException.class, () -> other.release(null));
            one.release(slot); // still leased by its own pool
        }
    }

    @Test
    void attachmentTravelsWithTheSlotToItsNextOwnerAndTakeClearsIt() {
        try (SegmentPool pool = SegmentPool.create(64, 1, 1)) {
            Slot slot = pool.tryAcquire();
            assertNull(slot.takeAttachment());
            Object wrapper = new Object();
            slot.putAttachment(wrapper);
            pool.release(slot);
            Slot again = pool.tryAcquire();
            assertSame(wrapper, again.takeAttachment());
            assertNull(again.takeAttachment());
        }
    }

    @Test
    void reclaimLeakedCountsALeakAndTheSlotCanBeAcquiredAgain() {
        try (SegmentPool pool = SegmentPool.create(64, 1, 1)) {
            Slot leaked = pool.tryAcquire();
            assertTrue(leaked.isLeased());
            pool.reclaimLeaked(leaked);
            assertFalse(leaked.isLeased());
            PoolStats stats = pool.stats();
            assertEquals(1, stats.leaks());
            assertEquals(0, stats.inUse());
            assertSame(leaked, pool.tryAcquire(), "the reclaimed slot is on the free list again");
            assertEquals(2, pool.stats().poolHits());
            pool.reclaimLeaked(leaked);
            var e = assertThrows(IllegalStateException.class, () -> pool.reclaimLeaked(leaked));
            assertTrue(e.getMessage().contains("slot 0"), e.getMessage());
            assertEquals(2, pool.stats().leaks(), "a rejected reclaim counts no leak");
        }
    }

    // ---- close ------------------------------------------------------------------------

    @Test
    void releaseAndReclaimAfterCloseNeverThrowAndKeepTheAccountingExact() {
        SegmentPool pool = SegmentPool.create(64, 2, 2);
        Slot a = pool.tryAcquire();
        Slot b = pool.tryAcquire();
        pool.close();
        assertDoesNotThrow(() -> pool.release(a));
        assertEquals(1, pool.stats().inUse(), "a's lease ended, b's not yet");
        assertDoesNotThrow(() -> pool.release(a));
        assertEquals(1, pool.stats().inUse(), "a second release after close counts nothing");
        assertDoesNotThrow(() -> pool.reclaimLeaked(b));
        assertEquals(0, pool.stats().inUse());
        assertEquals(1, pool.stats().leaks());
        assertDoesNotThrow(pool::close);
        assertTrue(pool.isClosed());
    }

    @Test
    void segmentsThrowIllegalStateAfterClose() {
        SegmentPool pool = SegmentPool.create(64, 1, 2);
        MemorySegment initial = pool.tryAcquire().segment();
        MemorySegment dynamic = pool.tryAcquire().segment();
        initial.set(JAVA_LONG, 0, 7L);
        dynamic.set(JAVA_LONG, 0, 7L);
        pool.close();
        assertThrows(IllegalStateException.class, () -> initial.get(JAVA_LONG, 0));
        assertThrows(IllegalStateException.class, () -> dynamic.set(JAVA_LONG, 0, 1L));
        assertFalse(initial.scope().isAlive());
    }

    @Test
    void acquiresAfterCloseThrowPoolClosedEvenWithFreeSegments() {
        SegmentPool pool = SegmentPool.create(64, 2, 4);
        pool.close();
        var e = assertThrows(IllegalStateException.class, pool::tryAcquire);
        assertEquals("pool closed", e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> pool.acquire(1, TimeUnit.SECONDS));
        assertEquals("pool closed", e.getMessage());
        assertEquals(0, pool.stats().acquires());
    }

    @Test
    void statsOfAFreshPoolReportAHitRateOfOne() {
        try (SegmentPool pool = SegmentPool.create(64, 0, 1)) {
            PoolStats stats = pool.stats();
            assertEquals(0, stats.acquires());
            assertEquals(1.0, stats.hitRate());
        }
    }

    /** Waits until the thread is parked (WAITING or TIMED_WAITING), i.e. really blocked in acquire. */
    static void awaitParked(AtomicReference<Thread> thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (System.nanoTime() < deadline) {
            Thread t = thread.get();
            if (t != null && (t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.WAITING)) {
                return;
            }
            Thread.sleep(1);
        }
        throw new AssertionError("thread never blocked: " + thread.get());
    }
}
