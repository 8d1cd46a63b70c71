/**
 * Micrometer meters for audio streams and their segment pools:
 * {@link io.github.panamaaudio.metrics.AudioStreamMetrics}, a {@code MeterBinder}.
 *
 * <p>micrometer-core is an optional dependency of the library: only this package uses
 * it, no other package refers to this one, and the library loads and captures with no
 * Micrometer on the class path. Add micrometer-core (or a registry such as
 * micrometer-registry-prometheus, which brings it) to use the binder. The registry and
 * any HTTP endpoint belong to the application; the command line tool serves one.
 */
package io.github.panamaaudio.metrics;
