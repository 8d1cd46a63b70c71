/**
 * jcstress tests of {@link io.github.panamaaudio.pool.SegmentPool}'s ownership
 * invariants under concurrent acquire and release, one {@code @Outcome} table per
 * invariant:
 * <ul>
 *   <li>{@link io.github.panamaaudio.jcstress.NoSegmentLeasedTwice}: two threads that
 *       hold slots at the same time never hold the same segment;</li>
 *   <li>{@link io.github.panamaaudio.jcstress.NoSegmentLost}: every released segment
 *       can be acquired again, a waiting acquire is woken by a release, and the
 *       counters add up.</li>
 * </ul>
 * Each test makes a fresh pool per sample and closes it in its {@code @Arbiter}, so
 * the off-heap segments of millions of samples do not pile up. Run them with
 * {@code scripts/jcstress}.
 *
 * <p>The packet and stream protocol built on the pool (leases, stream close, the leak
 * watch) is tested by the classes of this module in the library's own package,
 * {@code io.github.panamaaudio} (see {@code ProtocolFixture} there), which need its
 * package-private members.
 */
package io.github.panamaaudio.jcstress;
