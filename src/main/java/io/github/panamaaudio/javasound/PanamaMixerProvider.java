package io.github.panamaaudio.javasound;

import javax.sound.sampled.Mixer;
import javax.sound.sampled.spi.MixerProvider;

/**
 * The Java Sound provider of Panama Audio Capture: {@code AudioSystem.getMixerInfo()}
 * lists one capture {@link Mixer} per source the library offers — the default input,
 * the default output's loopback, each input, the loopback of each output, each
 * playing application — whose {@link javax.sound.sampled.TargetDataLine}s capture
 * through the library's public API. Registered in {@code module-info} and in
 * {@code META-INF/services}; programs never name this class.
 *
 * <p>It has no default mixer ({@link #getMixer(Mixer.Info) getMixer(null)} throws
 * {@link IllegalArgumentException}): the JDK's default mixer, which plays too,
 * stays the default.
 *
 * <p>Thread-safety: thread-safe and stateless; the mixers live in one registry
 * shared by every instance (the JDK makes a new provider on each {@code AudioSystem}
 * call, so construction does nothing).
 */
public final class PanamaMixerProvider extends MixerProvider {

    /** Called by the service loader. */
    public PanamaMixerProvider() {
    }

    /**
     * The sources available now. Opens a connection to the audio server for the
     * listing (or uses the one open lines hold); with no backend available (no audio
     * server, no C shim for this platform) an empty array, never an exception.
     */
    @Override
    public Mixer.Info[] getMixerInfo() {
        return MixerRegistry.INSTANCE.list();
    }

    /** Whether the info is one of this provider's, without listing the sources again. */
    @Override
    public boolean isMixerSupported(Mixer.Info info) {
        return MixerRegistry.INSTANCE.mixer(info) != null;
    }

    /**
     * The mixer of an info from {@link #getMixerInfo()} (also one listed earlier whose
     * source has gone since).
     *
     * @throws IllegalArgumentException for {@code null} (no default mixer) or an info of another provider
     */
    @Override
    public Mixer getMixer(Mixer.Info info) {
        if (info == null) {
            throw new IllegalArgumentException("Panama Audio Capture has no default mixer");
        }
        CaptureMixer m = MixerRegistry.INSTANCE.mixer(info);
        if (m == null) {
            throw new IllegalArgumentException("not a Panama Audio Capture mixer: " + info);
        }
        return m;
    }
}
