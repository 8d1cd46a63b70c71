/**
 * The segment pool: fixed-size off-heap memory segments that the C reader writes
 * samples into and that return to the pool, deterministically, when the packet
 * carrying one is closed.
 *
 * <p>{@link io.github.panamaaudio.pool.SegmentPool} is thread-safe and lock-free on its
 * acquire and release paths. The invariants it keeps, documented where they live:
 * <ul>
 *   <li>a segment has exactly one owner at a time, the pool or one leaseholder; a double
 *       release is detected and thrown, never counted twice;</li>
 *   <li>at most {@code maxSegments} segments ever exist, all in one shared arena that
 *       the pool owns and frees in one go on {@code close()};</li>
 *   <li>every acquire that returns a segment counts exactly one hit or one miss, so the
 *       counters in {@link io.github.panamaaudio.PoolStats} add up exactly;</li>
 *   <li>acquire and release allocate nothing on the heap once the pool has reached its
 *       working size.</li>
 * </ul>
 */
package io.github.panamaaudio.pool;
