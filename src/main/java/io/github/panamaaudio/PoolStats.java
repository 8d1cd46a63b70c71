package io.github.panamaaudio;

/**
 * An immutable snapshot of a segment pool's counters; thread-safe, like every record.
 *
 * <p>A pool hands out fixed-size off-heap memory segments to the C reader and
 * takes them back when the packet that carries one is closed. Each acquire that
 * returns a segment counts exactly one hit or one miss, so
 * {@code poolHits + poolMisses} is the number of segments handed out
 * ({@link #acquires()}).
 *
 * <p>The counters are read one after the other without a lock while other threads
 * may keep acquiring and releasing, so during activity the fields need not describe
 * one single instant (each is a value its counter held while the snapshot was
 * taken). When the pool is quiescent the snapshot is exact.
 *
 * @param poolHits           acquires served from the free list, without allocating or waiting
 * @param poolMisses         acquires that had to allocate a new segment or to wait for a release;
 *                           each counts once however long it waited
 * @param dynamicAllocations segments allocated after the pool was created, because of a miss
 *                           ({@code <= poolMisses}; a miss served by waiting allocates nothing)
 * @param currentPoolSize    segments allocated so far, free or leased; never more than
 *                           {@code maxPoolSize}; segments are only freed when the pool closes
 * @param maxPoolSize        the most segments the pool will ever allocate
 * @param inUse              segments leased now (handed out and not yet released or reclaimed)
 * @param leaks              segments reclaimed from packets that were garbage-collected without
 *                           being closed; each one is a caller bug that delayed reuse
 * @param segmentBytes       the usable size of every segment, in bytes
 */
public record PoolStats(long poolHits, long poolMisses, long dynamicAllocations, int currentPoolSize,
                        int maxPoolSize, int inUse, long leaks, long segmentBytes) {

    /**
     * Checks that no count is negative.
     *
     * @throws IllegalArgumentException naming the first negative field
     */
    public PoolStats {
        requireNonNegative("poolHits", poolHits);
        requireNonNegative("poolMisses", poolMisses);
        requireNonNegative("dynamicAllocations", dynamicAllocations);
        requireNonNegative("currentPoolSize", currentPoolSize);
        requireNonNegative("maxPoolSize", maxPoolSize);
        requireNonNegative("inUse", inUse);
        requireNonNegative("leaks", leaks);
        requireNonNegative("segmentBytes", segmentBytes);
    }

    /**
     * Returns the number of acquires that returned a segment.
     *
     * @return {@code poolHits + poolMisses}
     */
    public long acquires() {
        return poolHits + poolMisses;
    }

    /**
     * Returns the fraction of acquires served from the free list.
     *
     * <p>A pool that has not served any acquire yet reports {@code 1.0}: nothing has
     * missed, and a gauge built on this value should not start at a fake alarm
     * ({@code 0.0}) or at a value that breaks averaging ({@code NaN}).
     *
     * @return {@code poolHits / (poolHits + poolMisses)} in {@code [0.0, 1.0]}, or
     *         {@code 1.0} when there were no acquires
     */
    public double hitRate() {
        long acquires = acquires();
        return acquires == 0 ? 1.0 : (double) poolHits / acquires;
    }

    private static void requireNonNegative(String field, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, was " + value);
        }
    }
}
