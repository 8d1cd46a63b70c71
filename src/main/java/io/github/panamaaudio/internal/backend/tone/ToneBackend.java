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
 *
 * <p>Its devices are its generators, both inputs: {@value #SINE} (the default: 440 Hz
 * at half of full scale) and {@value #PATTERN} (byte n of the stream is n mod 251).
 * A device id may carry parameters after {@code ?}, joined by {@code &}:
 * {@code sine?frequency=1000&amplitude=0.25&paced=false}, {@code pattern?paced=false}.
 * It has no outputs and no applications.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
public final class ToneBackend implements Backend {

    /** The sine generator's device id. */
    public static final String SINE = "sine";
    /** The test pattern's device id. */
    public static final String PATTERN = "pattern";

    @Override
    public String name() {
        return "tone";
    }

    @Override
    public List<AudioDevice> devices() {
        return List.of(
                new AudioDevice(SINE, "Synthetic sine (?frequency=Hz&amplitude=0..1&paced=true|false)",
                        AudioDevice.Direction.INPUT, true, null, 48_000, 2),
                new AudioDevice(PATTERN, "Synthetic test pattern, byte n = n mod 251 (?paced=true|false)",
                        AudioDevice.Direction.INPUT, false, null, 48_000, 2));
    }

    /** A parsed tone device id. */
    record Generator(boolean pattern, double frequency, double amplitude, boolean paced) {
    }

    /** Parses a device id; DEVICE_NOT_FOUND naming what is allowed. */
    static Generator parse(String id, int sampleRate) throws AudioException {
        int q = id.indexOf('?');
        String base = q < 0 ? id : id.substring(0, q);
        boolean pattern;
        if (base.equals(SINE)) {
            pattern = false;
        } else if (base.equals(PATTERN)) {
            pattern = true;
        } else {
            throw new AudioException(AudioException.Kind.DEVICE_NOT_FOUND, "the tone backend has no device '" + id
                    + "' (its devices: '" + SINE + "', '" + PATTERN + "', with ?parameters)");
        }
        double frequency = 440;
        double amplitude = 0.5;
        boolean paced = true;
        if (q >= 0) {
            for (String kv : id.substring(q + 1).split("&", -1)) {
                int eq = kv.indexOf('=');
                String key = eq < 0 ? kv : kv.substring(0, eq);
                String value = eq < 0 ? "" : kv.substring(eq + 1);
                try {
                    switch (key) {
                        case "paced" -> {
                            if (!value.equals("true") && !value.equals("false")) {
                                throw new NumberFormatException();
                            }
                            paced = value.equals("true");
                        }
                        case "frequency" -> {
                            if (pattern) {
                                throw new IllegalStateException();
                            }
                            frequency = Double.parseDouble(value);
                            if (!(frequency >= 0 && frequency <= sampleRate / 2.0)) {
                                throw new NumberFormatException();
                            }
                        }
                        case "amplitude" -> {
                            if (pattern) {
                                throw new IllegalStateException();
                            }
                            amplitude = Double.parseDouble(value);
                            if (!(amplitude >= 0 && amplitude <= 1)) {
                                throw new NumberFormatException();
                            }
                        }
                        default -> throw new IllegalStateException();
                    }
                } catch (NumberFormatException e) {
                    throw new AudioException(AudioException.Kind.DEVICE_NOT_FOUND, "tone device '" + id + "': "
                            + key + " = '" + value + "' is not allowed (paced: true|false, frequency: 0.."
                            + sampleRate / 2.0 + " Hz, amplitude: 0..1)");
                } catch (IllegalStateException e) {
                    throw new AudioException(AudioException.Kind.DEVICE_NOT_FOUND, "tone device '" + id
                            + "': no parameter '" + key + "' (" + base + " takes "
                            + (pattern ? "paced" : "frequency, amplitude, paced") + ")");
                }
            }
        }
        return new Generator(pattern, frequency, amplitude, paced);
    }

    @Override
    public NativeStream open(StreamConfig config) throws AudioException {
        StreamConfig.Source source = config.source();
        Generator g = switch (source.kind()) {
            case DEFAULT_INPUT -> parse(SINE, config.sampleRate());
            case DEVICE -> parse(source.deviceId(), config.sampleRate());
            default -> throw new AudioException(AudioException.Kind.DEVICE_NOT_FOUND,
                    "the tone backend has no outputs and no applications: cannot capture " + source);
        };
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            MemorySegment error = Native.allocateError(arena);
            int mode = g.pattern() ? PacShim.PAC_TONE_PATTERN() : PacShim.PAC_TONE_SINE();
            int rc = PacShim.pac_tone_open(mode, Native.formatCode(config), config.sampleRate(),
                    config.channels(), config.packetFrames(), (int) Math.round(g.frequency() * 1000),
                    (int) Math.round(g.amplitude() * 1_000_000), g.paced() ? 1 : 0, out, error);
            if (rc != PacShim.PAC_OK()) {
                throw Native.failure("opening tone stream", error);
            }
            return new NativeStream(out.get(ValueLayout.ADDRESS, 0), name());
        }
    }
}
