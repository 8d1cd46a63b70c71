package io.github.panamaaudio.internal.backend.pulse;

import io.github.panamaaudio.internal.Backend;

import java.util.List;

/**
 * The PulseAudio backend (also PipeWire's pulse server): the shim's
 * {@code pulse_*.c}. One connection per context for devices, applications and
 * events; each stream has a connection of its own in the shim, so a failing stream
 * never disturbs another.
 *
 * <p>Option {@code server}: the server address ({@code unix:/run/user/1000/pulse/native});
 * without it libpulse's own default ({@code PULSE_SERVER}, then the user's runtime
 * directory).
 *
 * <p>Thread-safety: immutable, thread-safe.
 */
public final class PulseBackend implements Backend {

    @Override
    public String name() {
        return "pulse";
    }

    @Override
    public List<String> options() {
        return List.of("server");
    }
}
