package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.internal.backend.pulse.PulseBackend;
import io.github.panamaaudio.internal.backend.tone.ToneBackend;
import io.github.panamaaudio.internal.loader.ShimLoader;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The one place that picks a backend: by name, or for "auto" by priority and
 * availability (PulseAudio — which PipeWire also serves — first). A backend that
 * cannot load is a normal outcome, logged at INFO. The synthetic "tone" backend
 * is only used when asked for by name.
 *
 * <p>Thread-safety: stateless.
 */
public final class Backends {

    /** Names accepted by {@link #select}. */
    public static final List<String> NAMES = List.of("auto", "pulse", "tone");

    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio");

    private Backends() {
    }

    /** Validates a backend name; returns it in lower case. */
    public static String checkName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("backend = \"" + name + "\" is not one of " + NAMES);
        }
        return n;
    }

    /**
     * @param name      "auto", "pulse" or "tone" (case-insensitive)
     * @param server    the PulseAudio server address, or null for libpulse's default
     * @param appName   the client name the server shows
     * @param timeout   how long to wait for a server
     */
    public static Backend select(String name, String server, String appName, Duration timeout)
            throws AudioException {
        String n = checkName(name);
        ShimLoader.ensureLoaded();
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        switch (n) {
            case "tone":
                return new ToneBackend();
            case "pulse":
                return PulseBackend.connect(server, appName, timeoutMillis);
            default:
                try {
                    return PulseBackend.connect(server, appName, timeoutMillis);
                } catch (AudioException e) {
                    if (e.kind() != AudioException.Kind.BACKEND_UNAVAILABLE) {
                        throw e;
                    }
                    LOG.log(Level.INFO, "pulse backend unavailable: {0}", e.getMessage());
                    throw new AudioException(AudioException.Kind.BACKEND_UNAVAILABLE,
                            "no capture backend is available here (pulse: " + e.getMessage()
                                    + "); the synthetic \"tone\" backend needs nothing", e);
                }
        }
    }
}
