package io.github.panamaaudio.internal.backend.tone;

import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.StreamConfig;
import io.github.panamaaudio.internal.Backend;
import io.github.panamaaudio.internal.Native;
import io.github.panamaaudio.internal.NativeStream;
import io.github.panamaaudio.internal.ffi.PacShim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * The synthetic backend: a sine or a test pattern generated in the shim, paced in
 * real time or unpaced. Needs no audio server; serves tests, demos and benchmarks.
 * It has one device, {@value #DEVICE_NAME}, which every device selector maps to.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
public final class ToneBackend implements Backend {

    /** The tone backend's only device. */
    public static final String DEVICE_NAME = "tone";

    @Override
    public String name() {
        return "tone";
    }

    @Override
    public List<AudioDevice> devices() {
        return List.of(new AudioDevice(DEVICE_NAME, "Synthetic tone and test pattern", false, true, false,
                48_000, 2));
    }

    @Override
    public NativeStream open(StreamConfig config) throws AudioException {
        if (config.device().kind() == StreamConfig.Device.Kind.NAMED
                && !DEVICE_NAME.equals(config.device().name())) {
            throw new AudioException(AudioException.Kind.DEVICE_NOT_FOUND,
                    "the tone backend has no device '" + config.device().name() + "' (its only device is '"
                            + DEVICE_NAME + "')");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            MemorySegment error = Native.allocateError(arena);
            int mode = config.tonePattern() ? PacShim.PAC_TONE_PATTERN() : PacShim.PAC_TONE_SINE();
            int rc = PacShim.pac_tone_open(mode, Native.formatCode(config), config.sampleRate(),
                    config.channels(), config.packetFrames(), (int) Math.round(config.toneFrequency() * 1000),
                    (int) Math.round(config.toneAmplitude() * 1_000_000), config.tonePaced() ? 1 : 0, out, error);
            if (rc != PacShim.PAC_OK()) {
                throw Native.failure("opening tone stream", error);
            }
            return new NativeStream(out.get(ValueLayout.ADDRESS, 0), name());
        }
    }
}
