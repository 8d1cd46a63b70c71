package io.github.panamaaudio.internal.backend.tone;

import io.github.panamaaudio.internal.Backend;

import java.util.List;

/**
 * The synthetic backend (the shim's {@code tone.c}): a sine or a test pattern
 * generated in the shim, paced in real time or unpaced. Needs no audio server;
 * serves tests, demos and benchmarks.
 *
 * <p>Its devices are its generators, both inputs: {@value #SINE} (the default: 440 Hz
 * at half of full scale) and {@value #PATTERN} (byte n of the stream is n mod 251).
 * A device id may carry parameters after {@code ?}, joined by {@code &}, which the
 * shim parses: {@code sine?frequency=1000&amplitude=0.25&paced=false},
 * {@code pattern?paced=false}. It has no outputs, no applications, no events and
 * no options.
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
    public List<String> options() {
        return List.of();
    }
}
