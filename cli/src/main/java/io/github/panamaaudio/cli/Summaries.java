package io.github.panamaaudio.cli;

import io.github.panamaaudio.PoolStats;

import java.util.Locale;

/**
 * How the commands print numbers people read: pool statistics and hit rates.
 *
 * <p>Thread-safety: stateless.
 */
final class Summaries {

    private Summaries() {
    }

    /** A hit rate as a percentage with two decimals, e.g. {@code "99.67 %"}. */
    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f %%", 100.0 * fraction);
    }

    /** One line with every counter of the pool. */
    static String pool(PoolStats s) {
        return String.format(Locale.ROOT,
                "pool: hits %d, misses %d, dynamic allocations %d, pool size %d (max %d), in use %d, leaks %d,"
                        + " hit rate %s",
                s.poolHits(), s.poolMisses(), s.dynamicAllocations(), s.currentPoolSize(), s.maxPoolSize(),
                s.inUse(), s.leaks(), percent(s.hitRate()));
    }
}
