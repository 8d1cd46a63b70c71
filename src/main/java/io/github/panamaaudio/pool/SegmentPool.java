package io.github.panamaaudio.pool;

import io.github.panamaaudio.PoolStats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.github.panamaaudio.internal.ArenaReaper;

/**
 * A bounded pool of equally sized off-heap memory segments; thread-safe: any number of
 * threads may acquire, release and read statistics concurrently, and any thread may
 * close it. Acquire and release are lock-free and allocate nothing once the pool has
 * grown to its working size; a lock is taken only to allocate a new segment, to wait for
 * a release, and by a release that has such a waiter to wake.
 *
 * <p>The free list is a lock-free stack ({@link LifoFreeList}): the segment released
 * last is leased next, so a reader that closes each packet before reading the next one
 * works in one cache-hot segment instead of rotating through the whole pool.
 *
 * <h2>Ownership</h2>
 * A {@link Slot} (one segment) has exactly one owner at a time: the pool while it is on
 * the free list, otherwise the thread or object that acquired it, until it hands the
 * slot back with {@link #release(Slot)} (or a leak detector does with
 * {@link #reclaimLeaked(Slot)}). Ownership moves through the free list, whose push
 * publishes with a volatile CAS and whose pop reads with a volatile load: everything the previous owner wrote into the segment or the slot's
 * attachment happens-before the next owner's acquire returns.
 *
 * <h2>Memory layout</h2>
 * Segments are sliced from slabs, all allocated in one {@link Arena#ofShared() shared
 * arena} that the pool owns. The initial segments come from one slab; every later
 * segment gets a slab of its own. A segment's stride is its size rounded up to a
 * multiple of 64 bytes, the cache-line size, so every segment starts on a cache line
 * and no two segments share one (a C writer filling one segment never contends
 * with a Java reader of its neighbour):
 * <pre>
 *  initial slab, 64-byte aligned, initialSegments * stride bytes
 *  0                    stride               2*stride                      n*stride
 *  +-------------+------+-------------+------+---     ---+-------------+------+
 *  | segment 0   | pad  | segment 1   | pad  |   ...     | segment n-1 | pad  |
 *  +-------------+------+-------------+------+---     ---+-------------+------+
 *  |&lt;-segBytes-&gt;|      |&lt;-segBytes-&gt;|
 *  stride = (segmentBytes + 63) &amp; ~63     pad = stride - segmentBytes, 0..63 bytes
 *
 *  dynamic slab (one per miss that allocates), 64-byte aligned, stride bytes
 *  +-------------+------+
 *  | segment k   | pad  |     k = currentPoolSize at the time of the miss
 *  +-------------+------+
 * </pre>
 * Why one segment per dynamic slab rather than a few: each allocating miss grows the
 * pool for good (segments are only freed when the pool closes), so there are at most
 * {@code maxSegments - initialSegments} such allocations in the pool's life and their
 * cost does not matter; allocating exactly one keeps the pool at the high-water mark of
 * demand instead of above it, and makes {@code dynamicAllocations} count segments.
 *
 * <h2>Counting</h2>
 * Every acquire that returns a slot counts exactly one <em>hit</em> (the slot came off
 * the free list without allocating or waiting) or one <em>miss</em> (a new segment was
 * allocated, or the call had to wait for a release; a wait is one miss however long it
 * lasts). So {@code hits + misses} is exactly the number of slots handed out. An
 * {@link #acquire(long, TimeUnit) acquire} that times out counts one
 * {@link #acquireTimeouts() timeout}; a {@link #tryAcquire()} that returns {@code null},
 * an interrupted acquire and an acquire that fails because the pool closed count
 * nothing. Counters are {@link LongAdder}s (striped, padded cells), never locked.
 *
 * <h2>Closing</h2>
 * {@link #close()} frees every segment at once by closing the arena: afterwards any
 * access to a segment of this pool throws {@link IllegalStateException}, acquires throw
 * {@code IllegalStateException("pool closed")}, and releases never throw: each still ends its
 * lease once (so {@code inUse} returns to 0 as holders let go) but returns nothing to the
 * free list; a packet closed after its stream is harmless. If a I/O call is
 * using one of the segments right then (the arena is "acquired"), the memory is freed
 * as soon as that call returns, never under it ({@link #isMemoryFreed()} tells when).
 */
public final class SegmentPool implements AutoCloseable {

    /** Alignment of every segment and stride granule: one cache line. */
    static final long SEGMENT_ALIGNMENT = 64;

    /** Largest accepted {@code maxSegments}. */
    public static final int MAX_SEGMENTS_LIMIT = 1_000_000;

    /**
     * How many times a blocked {@link #acquire(long, TimeUnit)} polls the free list with
     * {@link Thread#onSpinWait()} between polls before it parks: a few microseconds,
     * enough to catch a release that is already under way without giving up the CPU.
     */
    static final int SPIN_POLLS = 64;

    private static final String CLOSED_MESSAGE = "pool closed";

    private final long segmentBytes;
    private final long stride;
    private final int maxSegments;
    private final Arena arena;

    /** Free slots, the last released on top. Holds every index below maxSegments. */
    private final LifoFreeList free;
    /** Every slot by index; an element is written once (release store) before the slot is handed out. */
    private final Slot[] slotsByIndex;
    private static final VarHandle SLOT_BY_INDEX = MethodHandles.arrayElementVarHandle(Slot[].class);

    /**
     * Segments that exist or are being allocated. Reserved by CAS before allocating, so
     * the pool never holds more than {@code maxSegments}; given back if the allocation
     * fails. Always {@code >= segmentsCreated}.
     */
    private final AtomicInteger reservedSegments;

    /** Guards allocation of dynamic slabs against closing the arena. */
    private final ReentrantLock lifecycleLock = new ReentrantLock();
    /** Written only under {@link #lifecycleLock}; read anywhere (volatile). */
    private volatile int segmentsCreated;
    /** Written only under {@link #lifecycleLock}; read anywhere (volatile). */
    private volatile long dynamicAllocations;
    /** Set once under {@link #lifecycleLock}; read anywhere (volatile). */
    private volatile boolean closed;

    /** Taken only by an acquire that has to wait and by a release that sees a waiter. */
    private final ReentrantLock waitLock = new ReentrantLock();
    private final Condition slotReleased = waitLock.newCondition();
    /** Acquires waiting on {@link #slotReleased}. Written only under {@link #waitLock}. */
    private volatile int waiters;

    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder releases = new LongAdder();
    private final LongAdder leaks = new LongAdder();
    private final LongAdder timeouts = new LongAdder();

    private SegmentPool(long segmentBytes, int initialSegments, int maxSegments) {
        this.segmentBytes = segmentBytes;
        this.stride = (segmentBytes + SEGMENT_ALIGNMENT - 1) & -SEGMENT_ALIGNMENT;
        this.maxSegments = maxSegments;
        this.free = new LifoFreeList(maxSegments);
        this.slotsByIndex = new Slot[maxSegments];
        this.reservedSegments = new AtomicInteger(initialSegments);
        this.arena = Arena.ofShared();
        try {
            if (initialSegments > 0) {
                MemorySegment slab = arena.allocate(stride * initialSegments, SEGMENT_ALIGNMENT);
                for (int i = initialSegments - 1; i >= 0; i--) { // pushed backwards: slot 0 goes out first
                    Slot slot = new Slot(this, slab.asSlice(i * stride, segmentBytes), i);
                    SLOT_BY_INDEX.setRelease(slotsByIndex, i, slot);
                    free.push(slot.index);
                }
            }
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        this.segmentsCreated = initialSegments;
    }

    /**
     * Creates a pool and allocates its initial segments in one slab.
     *
     * <p>The slot table ({@code maxSegments} references) and the free list (as many
     * {@code int} links) are allocated up front on the heap: about 8 to 12 bytes per
     * allowed segment.
     *
     * @param segmentBytes    usable size of each segment, in bytes, {@code [1, Integer.MAX_VALUE]};
     *                        each occupies this rounded up to a multiple of 64
     * @param initialSegments segments allocated now, {@code [0, maxSegments]}
     * @param maxSegments     most segments the pool will ever allocate,
     *                        {@code [1, }{@value #MAX_SEGMENTS_LIMIT}{@code ]}
     * @return a new open pool
     * @throws IllegalArgumentException naming the parameter, its value and the allowed range,
     *                                  before anything is allocated
     * @throws OutOfMemoryError         if the initial slab cannot be allocated
     */
    public static SegmentPool create(long segmentBytes, int initialSegments, int maxSegments) {
        if (segmentBytes < 1 || segmentBytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "segmentBytes must be in [1, " + Integer.MAX_VALUE + "], was " + segmentBytes);
        }
        if (maxSegments < 1 || maxSegments > MAX_SEGMENTS_LIMIT) {
            throw new IllegalArgumentException(
                    "maxSegments must be in [1, " + MAX_SEGMENTS_LIMIT + "], was " + maxSegments);
        }
        if (initialSegments < 0 || initialSegments > maxSegments) {
            throw new IllegalArgumentException("initialSegments must be in [0, maxSegments = "
                    + maxSegments + "], was " + initialSegments);
        }
        return new SegmentPool(segmentBytes, initialSegments, maxSegments);
    }

    /**
     * Leases a slot if one is free or can be allocated, without waiting.
     *
     * <p>Lock-free: a pop of the free list (a volatile load and a CAS of its head),
     * a CAS of the slot's state, a striped counter increment. When the free list is
     * empty and fewer than {@code maxSegments} segments exist, reserves one by CAS and
     * allocates it under a lock shared only with {@link #close()}. Allocates nothing on
     * the heap except in that case. A slot returned while another thread closes the pool
     * may already have a closed segment, as if the pool had closed just after.
     *
     * @return a leased slot (counted as a hit or a miss), or {@code null} if all
     *         {@code maxSegments} segments are leased (counted nowhere)
     * @throws IllegalStateException "pool closed" if the pool is closed
     * @throws OutOfMemoryError      if a new segment was needed and cannot be allocated
     *                               (nothing is counted)
     */
    public Slot tryAcquire() {
        ensureOpen();
        Slot slot = popFree();
        if (slot != null) {
            return lease(slot, hits);
        }
        if (reserveSegment()) {
            return allocateReservedSegment();
        }
        // At max; a slot may have been released since the first poll.
        slot = popFree();
        return slot == null ? null : lease(slot, hits);
    }

    /**
     * Leases a slot, waiting up to {@code timeout} for one to be released if all
     * {@code maxSegments} segments are leased.
     *
     * <p>Without waiting this is {@link #tryAcquire()}. Otherwise it polls the free list
     * a few dozen times with {@link Thread#onSpinWait()} (microseconds), then parks on a
     * condition that {@link #release(Slot)} signals; the waiting path takes a lock and
     * may allocate (queue nodes), the fast path does neither. A slot available without
     * waiting is returned even to an interrupted thread; the interrupt is only noticed
     * when the call has to park.
     *
     * @param timeout how long to wait at most; {@code <= 0} means not at all
     * @param unit    unit of {@code timeout}
     * @return a leased slot (one hit, or one miss if it allocated or waited), or
     *         {@code null} if none became free in time (one {@link #acquireTimeouts() timeout})
     * @throws InterruptedException  if interrupted while waiting (nothing is counted)
     * @throws IllegalStateException "pool closed" if the pool is closed, also while
     *                               waiting (nothing is counted)
     * @throws OutOfMemoryError      if a new segment was needed and cannot be allocated
     */
    public Slot acquire(long timeout, TimeUnit unit) throws InterruptedException {
        Objects.requireNonNull(unit, "unit");
        Slot slot = tryAcquire();
        if (slot != null) {
            return slot;
        }
        long timeoutNanos = unit.toNanos(timeout);
        long start = System.nanoTime();
        if (timeoutNanos > 0) {
            for (int i = 0; i < SPIN_POLLS; i++) {
                Thread.onSpinWait();
                ensureOpen();
                slot = popFree();
                if (slot != null) {
                    return lease(slot, misses);
                }
            }
            slot = awaitRelease(start, timeoutNanos);
            if (slot != null) {
                return lease(slot, misses);
            }
        }
        timeouts.increment();
        return null;
    }

    /**
     * Parks until the free list yields a slot, the time is up, or the pool closes.
     *
     * <p>No lost wake-up: the waiter increments {@link #waiters} (volatile write) before
     * it pops (volatile read of the free list's head), and a release CASes that head
     * (volatile) before it reads {@link #waiters}; in the total order of these
     * volatile accesses either the poll sees the offered slot or the release sees the
     * waiter, and then signals under {@link #waitLock}, which the waiter holds from its
     * poll until {@link Condition#awaitNanos(long)} releases it.
     */
    private Slot awaitRelease(long start, long timeoutNanos) throws InterruptedException {
        final ReentrantLock lock = waitLock;
        lock.lockInterruptibly();
        try {
            waiters = waiters + 1;
            try {
                for (;;) {
                    ensureOpen();
                    Slot slot = popFree();
                    if (slot != null) {
                        return slot;
                    }
                    long remaining = timeoutNanos - (System.nanoTime() - start);
                    if (remaining <= 0) {
                        return null;
                    }
                    slotReleased.awaitNanos(remaining);
                }
            } finally {
                waiters = waiters - 1;
                // We may have consumed a signal and leave without its slot (timeout,
                // interrupt): pass it on so no waiter sleeps next to a free slot.
                if (waiters > 0 && !free.isEmpty()) {
                    slotReleased.signal();
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns a leased slot to the pool.
     *
     * <p>Lock-free unless an acquire is waiting: a CAS of the slot's state
     * (LEASED&nbsp;&rarr;&nbsp;FREE, volatile), a striped counter increment, a push onto the
     * free list (one plain store, then a CAS of its head), a volatile read of the
     * waiter count; if it is non-zero, signals one waiter under a lock. Everything the
     * caller wrote before this call is visible to the slot's next owner. The caller must
     * not touch the slot or its segment afterwards.
     *
     * <p>After {@link #close()} this only ends the lease (counted once): the segment is
     * already freed.
     *
     * @param slot a slot leased from this pool
     * @throws NullPointerException     if {@code slot} is null
     * @throws IllegalArgumentException if {@code slot} belongs to another pool
     * @throws IllegalStateException    naming the slot's index if it is not leased (released
     *                                  twice). A release after the slot was re-leased to
     *                                  someone else cannot be told apart from theirs; owners
     *                                  must release exactly once.
     */
    public void release(Slot slot) {
        giveBack(slot, false);
    }

    /**
     * Returns a slot whose owner was garbage-collected without releasing it, and counts
     * a leak. Meant for a {@link java.lang.ref.Cleaner} action of the object that owned the
     * slot. Same memory ordering, checks and behaviour after close as
     * {@link #release(Slot)}.
     *
     * @param slot a slot leased from this pool
     * @throws NullPointerException     if {@code slot} is null
     * @throws IllegalArgumentException if {@code slot} belongs to another pool
     * @throws IllegalStateException    naming the slot's index if it is not leased
     */
    public void reclaimLeaked(Slot slot) {
        giveBack(slot, true);
    }

    private void giveBack(Slot slot, boolean leaked) {
        Objects.requireNonNull(slot, "slot");
        if (slot.pool != this) {
            throw new IllegalArgumentException("slot " + slot.index + " belongs to another pool");
        }
        if (closed) {
            // The segments are gone, but the accounting stays exact: a holder that
            // hands its slot back after close still ends its lease (once).
            if (slot.compareAndSetState(Slot.LEASED, Slot.FREE)) {
                releases.increment();
                if (leaked) {
                    leaks.increment();
                }
            }
            return;
        }
        if (!slot.compareAndSetState(Slot.LEASED, Slot.FREE)) {
            throw new IllegalStateException("slot " + slot.index + " is not leased (released twice?)");
        }
        releases.increment();
        if (leaked) {
            leaks.increment();
        }
        free.push(slot.index);
        if (waiters != 0) {
            signalWaiter();
        }
    }

    private void signalWaiter() {
        waitLock.lock();
        try {
            slotReleased.signal();
        } finally {
            waitLock.unlock();
        }
    }

    /**
     * Returns a snapshot of the counters. Lock-free: volatile reads and sums of striped
     * counters, in an order that keeps {@code inUse >= 0} and
     * {@code dynamicAllocations <= poolMisses} even while other threads are active;
     * {@code inUse} is capped at {@code currentPoolSize}. Exact when the pool is quiescent.
     * Works after {@link #close()} too.
     *
     * @return the pool's statistics now
     */
    public PoolStats stats() {
        // Read the totals that are incremented later first, so differences never go negative.
        long released = releases.sum();
        long allocated = dynamicAllocations;
        long hitCount = hits.sum();
        long missCount = misses.sum();
        long leakCount = leaks.sum();
        int size = segmentsCreated;
        long leased = Math.min(hitCount + missCount - released, size);
        return new PoolStats(hitCount, missCount, allocated, size, maxSegments, (int) leased, leakCount,
                segmentBytes);
    }

    /**
     * Returns the slot with this index, e.g. for a leak watch that must not hold the slot
     * itself. Acquire load; any thread.
     *
     * @param index a slot index, {@code [0, currentPoolSize)}
     * @return the slot
     * @throws IndexOutOfBoundsException if no slot has that index
     */
    public Slot slot(int index) {
        Slot slot = index >= 0 && index < slotsByIndex.length ? (Slot) SLOT_BY_INDEX.getAcquire(slotsByIndex, index) : null;
        if (slot == null) {
            throw new IndexOutOfBoundsException("no slot " + index + " in a pool of " + segmentsCreated);
        }
        return slot;
    }

    /**
     * Returns how many {@link #acquire(long, TimeUnit)} calls returned {@code null}
     * because no slot became free in time. Sum of a striped counter; any thread.
     *
     * @return the number of timed-out acquires so far
     */
    public long acquireTimeouts() {
        return timeouts.sum();
    }

    /**
     * Returns the usable size of every segment, as given to {@link #create}. Any thread.
     *
     * @return bytes per segment
     */
    public long segmentBytes() {
        return segmentBytes;
    }

    /**
     * Returns the most segments this pool will allocate. Any thread.
     *
     * @return {@code maxSegments} as given to {@link #create}
     */
    public int maxSegments() {
        return maxSegments;
    }

    /**
     * Returns whether {@link #close()} has been called. Volatile read; any thread.
     *
     * @return {@code true} once the pool is closed
     */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the pool and frees every segment at once; idempotent; any thread; never
     * throws.
     *
     * <p>Takes the lock that guards slab allocation, so no acquire is left holding a
     * half-allocated segment: an acquire that was about to allocate throws
     * {@code IllegalStateException("pool closed")} and counts nothing. The closed flag is a
     * volatile write; acquires that read it afterwards throw, releases only end their lease.
     * Waiting acquires are woken and throw. Segments still leased become inaccessible:
     * using one throws {@link IllegalStateException}.
     *
     * <p>If an I/O or foreign call is using a segment of this pool right now (an I/O call on
     * {@code segment.asByteBuffer()}, which keeps the arena acquired), the memory cannot
     * be freed under it: it is freed by a daemon thread as soon as the last such call
     * returns, never leaked ({@link #isMemoryFreed()}).
     */
    @Override
    public void close() {
        lifecycleLock.lock();
        try {
            if (!closed) {
                closed = true;
                ArenaReaper.close(List.of(arena), null);
            }
        } finally {
            lifecycleLock.unlock();
            waitLock.lock();
            try {
                slotReleased.signalAll();
            } finally {
                waitLock.unlock();
            }
        }
    }

    /**
     * Returns whether the pool's memory has been freed: after {@link #close()}, at once,
     * or as soon as no I/O or foreign call uses a segment any more. Any thread.
     *
     * @return {@code true} once every segment's memory is freed
     */
    public boolean isMemoryFreed() {
        return !arena.scope().isAlive();
    }

    @Override
    public String toString() {
        return "SegmentPool[segmentBytes=" + segmentBytes + ", segments=" + segmentsCreated + "/" + maxSegments
                + (closed ? ", closed]" : "]");
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(CLOSED_MESSAGE);
        }
    }

    /** Claims one of the {@code maxSegments} by CAS; false when all exist or are being allocated. */
    private boolean reserveSegment() {
        AtomicInteger reserved = reservedSegments;
        int n;
        do {
            n = reserved.get();
            if (n >= maxSegments) {
                return false;
            }
        } while (!reserved.compareAndSet(n, n + 1));
        return true;
    }

    /**
     * Allocates the segment reserved by {@link #reserveSegment()} in a slab of its own
     * and leases it. Under {@link #lifecycleLock}, so it cannot interleave with
     * {@link #close()}: either the pool is closed and the reservation is given back, or
     * the slab is allocated from a live arena and counted completely (miss before
     * dynamic allocation before size, the reverse of the order {@link #stats()} reads).
     */
    private Slot allocateReservedSegment() {
        lifecycleLock.lock();
        try {
            if (closed) {
                reservedSegments.decrementAndGet();
                throw new IllegalStateException(CLOSED_MESSAGE);
            }
            MemorySegment slab;
            try {
                slab = arena.allocate(stride, SEGMENT_ALIGNMENT);
            } catch (RuntimeException | Error e) {
                reservedSegments.decrementAndGet();
                throw e;
            }
            int index = segmentsCreated;
            Slot created = new Slot(this, slab.asSlice(0, segmentBytes), index);
            SLOT_BY_INDEX.setRelease(slotsByIndex, index, created);
            Slot slot = lease(created, misses);
            dynamicAllocations = dynamicAllocations + 1;
            segmentsCreated = index + 1;
            return slot;
        } finally {
            lifecycleLock.unlock();
        }
    }

    /** The slot released last, or null if none is free. The index came off the stack, the slot from its table. */
    private Slot popFree() {
        int i = free.pop();
        return i < 0 ? null : (Slot) SLOT_BY_INDEX.getAcquire(slotsByIndex, i);
    }

    /** Marks a slot taken off the free list (or just created) as leased and counts the outcome. */
    private static Slot lease(Slot slot, LongAdder outcome) {
        if (!slot.compareAndSetState(Slot.FREE, Slot.LEASED)) {
            throw new IllegalStateException("slot " + slot.index + " came off the free list already leased");
        }
        outcome.increment();
        return slot;
    }

    /**
     * One segment of a {@link SegmentPool} and the pool's bookkeeping for it.
     *
     * <p>{@link #segment()} and {@link #index()} are final and may be read by any thread.
     * The attachment is a plain field: only the slot's current owner calls
     * {@link #takeAttachment()} and {@link #putAttachment(Object)}; the release/acquire
     * ordering of the pool's free list carries it to the next owner. The state
     * (FREE/LEASED) is private to the pool and switched by CAS, which is how the pool
     * detects a double release.
     */
    public static final class Slot {
        static final int FREE = 0;
        static final int LEASED = 1;

        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Slot.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final SegmentPool pool;
        private final MemorySegment segment;
        private final int index;
        /** FREE or LEASED; accessed through {@link #STATE} (CAS) and volatile reads. */
        private volatile int state;
        /** Plain: only the slot's owner touches it. */
        private Object attachment;

        private Slot(SegmentPool pool, MemorySegment segment, int index) {
            this.pool = pool;
            this.segment = segment;
            this.index = index;
            this.state = FREE;
        }

        /**
         * Returns the slot's segment: exactly {@link SegmentPool#segmentBytes()} long,
         * 64-byte aligned, in the pool's shared arena (any thread may access it; it
         * becomes inaccessible when the pool closes). Only the slot's owner may read or
         * write its contents.
         *
         * @return the segment
         */
        public MemorySegment segment() {
            return segment;
        }

        /**
         * Returns the slot's number, unique within its pool, in {@code [0, currentPoolSize)}.
         *
         * @return the index
         */
        public int index() {
            return index;
        }

        /**
         * Returns the attached object and clears the attachment. Plain field access: only
         * the slot's current owner calls this.
         *
         * @return the attachment, or {@code null} if none
         */
        public Object takeAttachment() {
            Object taken = attachment;
            attachment = null;
            return taken;
        }

        /**
         * Attaches an object to the slot (typically the pooled wrapper of the segment,
         * before releasing it), replacing any previous one. Plain field access: only the
         * slot's current owner calls this.
         *
         * @param attachment the object to keep with the slot, or {@code null}
         */
        public void putAttachment(Object attachment) {
            this.attachment = attachment;
        }

        /**
         * Returns whether the slot is leased (acquired and not yet released). Volatile read;
         * any thread. Only the owner can rely on the answer staying true: for anyone else
         * it may change as soon as it is returned. A leak reclaimer may use it to skip a
         * slot that was already given back.
         *
         * @return {@code true} between an acquire that returned this slot and its release
         */
        public boolean isLeased() {
            return state == LEASED;
        }

        boolean compareAndSetState(int expected, int next) {
            return STATE.compareAndSet(this, expected, next);
        }

        @Override
        public String toString() {
            return "Slot[index=" + index + (state == LEASED ? ", leased]" : ", free]");
        }
    }
}
