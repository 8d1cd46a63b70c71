/**
 * Benchmarks of Panama Audio Capture, run by {@code scripts/bench}, which writes
 * {@code benchmarks/RESULTS.md}.
 *
 * <ul>
 *   <li>{@link io.github.panamaaudio.bench.jmh}: JMH benchmarks of the packet path
 *       (ours against the bare FFM floor and two copying baselines), the pool, and
 *       the checked mode's extra cost;</li>
 *   <li>{@link io.github.panamaaudio.bench.sidebyside}: a plain harness that captures
 *       the same PulseAudio source with this library, javax.sound.sampled and parec,
 *       each in its own process, and measures CPU, allocation and frames;</li>
 *   <li>{@link io.github.panamaaudio.bench.report}: turns both results into
 *       {@code RESULTS.md} with a verdict per target.</li>
 * </ul>
 *
 * <p>Everything here runs on the class path, where the library's internal packages
 * (the generated bindings, the shim loader) are accessible; the floor benchmark
 * calls the shim through them directly.
 */
package io.github.panamaaudio.bench;
