/**
 * Turns the JMH results and the side-by-side results into {@code RESULTS.md}: the
 * figures, the ratios the project claims, and one verdict per target (met, or
 * missed by how much). Run by {@code scripts/bench}.
 */
package io.github.panamaaudio.bench.report;
