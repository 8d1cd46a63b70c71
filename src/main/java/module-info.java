/**
 * Panama Audio Capture: audio capture through the Foreign Function and Memory API.
 * The generated bindings, the loader and the backends live in
 * {@code io.github.panamaaudio.internal.*}, which is not exported.
 */
module io.github.panamaaudio {
    requires static micrometer.core;
    requires jdk.jfr;

    exports io.github.panamaaudio;
    exports io.github.panamaaudio.pool;
    exports io.github.panamaaudio.metrics;
}
