package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.internal.backend.pulse.PulseBackend;
import io.github.panamaaudio.internal.backend.tone.ToneBackend;
import io.github.panamaaudio.internal.loader.ShimLoader;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

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

    /** The options each backend takes ("auto" takes those of every backend it may pick). */
    private static final Map<String, List<String>> OPTIONS = Map.of(
            "auto", List.of("server"),
            "pulse", List.of("server"),
            "tone", List.of());

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
     * Validates backend options against what the backend takes.
     *
     * @throws IllegalArgumentException naming the option, the backend and the options it takes
     */
    public static void checkOptions(String backend, Map<String, String> options) {
        List<String> known = OPTIONS.get(checkName(backend));
        for (Map.Entry<String, String> e : options.entrySet()) {
            if (!known.contains(e.getKey())) {
                throw new IllegalArgumentException("option \"" + e.getKey() + "\" is not one the " + backend
                        + " backend takes; it takes " + (known.isEmpty() ? "none" : known));
            }
            String v = e.getValue();
            if (v == null || v.isBlank() || v.indexOf('\0') >= 0 || v.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("option " + e.getKey() + " = \"" + v
                        + "\" is not allowed: a non-blank value without NUL or newline characters");
            }
        }
    }

    /**
     * Opens the context of a backend.
     *
     * @param name      "auto", "pulse" or "tone" (case-insensitive)
     * @param appName   the client name the server shows
     * @param options   backend options, validated by {@link #checkOptions}
     * @param timeout   how long to wait for a server
     */
    public static NativeContext select(String name, String appName, Map<String, String> options, Duration timeout)
            throws AudioException {
        String n = checkName(name);
        checkOptions(n, options);
        ShimLoader.ensureLoaded();
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        String server = options.get("server");
        switch (n) {
            case "tone":
                return new NativeContext(new ToneBackend());
            case "pulse":
                return new NativeContext(PulseBackend.connect(server, appName, timeoutMillis));
            default:
                try {
                    return new NativeContext(PulseBackend.connect(server, appName, timeoutMillis));
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
