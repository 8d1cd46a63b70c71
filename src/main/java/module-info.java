/**
 * Panama Audio Capture: audio capture through the Foreign Function and Memory API.
 * The generated bindings, the loader and the backends live in
 * {@code io.github.panamaaudio.internal.*}, which is not exported.
 */
module io.github.panamaaudio {
    requires static micrometer.core;
    requires jdk.jfr;
    // Java Sound: only for the provider below; the capture API works without java.desktop
    requires static java.desktop;

    exports io.github.panamaaudio;
    exports io.github.panamaaudio.pool;
    exports io.github.panamaaudio.metrics;

    provides javax.sound.sampled.spi.MixerProvider with io.github.panamaaudio.javasound.PanamaMixerProvider;
}
