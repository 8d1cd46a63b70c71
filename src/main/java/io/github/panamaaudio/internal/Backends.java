package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.internal.backend.pulse.PulseBackend;
import io.github.panamaaudio.internal.backend.tone.ToneBackend;
import io.github.panamaaudio.internal.backend.wasapi.WasapiBackend;
import io.github.panamaaudio.internal.loader.NativePlatform;
import io.github.panamaaudio.internal.loader.ShimLoader;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one place that picks a backend: by name, or for "auto" by priority and
 * availability (on Windows WASAPI; elsewhere PulseAudio, which PipeWire also serves). A backend that cannot load is a normal outcome, logged at INFO. The
 * synthetic "tone" backend is only used when asked for by name.
 *
 * <p>Adding a backend: its C row in the shim's {@code backends.c}, one package
 * {@code internal.backend.<name>} with a {@link Backend}, and one entry in
 * {@link #BACKENDS} (and in {@link #AUTO} if "auto" may pick it).
 *
 * <p>Thread-safety: stateless.
 */
public final class Backends {

    /** Every backend, by name. */
    private static final Map<String, Backend> BACKENDS =
            byName(new PulseBackend(), new WasapiBackend(), new ToneBackend());

    /** What "auto" tries, in priority order, on this platform (the OS is read in NativePlatform only). */
    private static final List<String> AUTO = autoOrder(NativePlatform.current());

    /** "auto"'s candidates on a platform: WASAPI on Windows, PulseAudio elsewhere. */
    static List<String> autoOrder(NativePlatform platform) {
        return platform.isWindows() ? List.of("wasapi") : List.of("pulse");
    }

    /** Names accepted by {@link #select}. */
    public static final List<String> NAMES;

    static {
        List<String> names = new ArrayList<>();
        names.add("auto");
        names.addAll(BACKENDS.keySet());
        NAMES = List.copyOf(names);
    }

    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio");

    private Backends() {
    }

    private static Map<String, Backend> byName(Backend... backends) {
        Map<String, Backend> m = new LinkedHashMap<>();
        for (Backend b : backends) {
            m.put(b.name(), b);
        }
        return m;
    }

    /** Validates a backend name; returns it in lower case. */
    public static String checkName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("backend = \"" + name + "\" is not one of " + NAMES);
        }
        return n;
    }

    /** The options a backend takes ("auto": those of every backend it may pick). */
    private static List<String> options(String name) {
        if (!name.equals("auto")) {
            return BACKENDS.get(name).options();
        }
        List<String> all = new ArrayList<>();
        for (String n : AUTO) {
            for (String o : BACKENDS.get(n).options()) {
                if (!all.contains(o)) {
                    all.add(o);
                }
            }
        }
        return all;
    }

    /**
     * Validates backend options against what the backend takes.
     *
     * @throws IllegalArgumentException naming the option, the backend and the options it takes
     */
    public static void checkOptions(String backend, Map<String, String> options) {
        List<String> known = options(checkName(backend));
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
     * Opens the context of a backend (the shim's {@code pac_context_open}).
     *
     * @param name      "auto", "pulse", "wasapi" or "tone" (case-insensitive)
     * @param appName   the client name the server shows
     * @param options   backend options, validated by {@link #checkOptions}
     * @param timeout   how long to wait for a server
     */
    public static NativeContext select(String name, String appName, Map<String, String> options, Duration timeout)
            throws AudioException {
        String n = checkName(name);
        checkOptions(n, options);
        ShimLoader.ensureLoaded();
        int timeoutMillis = (int) Math.clamp(timeout.toMillis(), 1, 300_000);
        if (!n.equals("auto")) {
            return NativeContext.open(n, appName, options, timeoutMillis);
        }
        List<String> unavailable = new ArrayList<>();
        AudioException last = null;
        for (String candidate : AUTO) {
            Map<String, String> own = new LinkedHashMap<>();
            for (String key : BACKENDS.get(candidate).options()) {
                if (options.containsKey(key)) {
                    own.put(key, options.get(key));
                }
            }
            try {
                return NativeContext.open(candidate, appName, own, timeoutMillis);
            } catch (AudioException e) {
                if (e.kind() != AudioException.Kind.BACKEND_UNAVAILABLE) {
                    throw e;
                }
                LOG.log(Level.INFO, "{0} backend unavailable: {1}", candidate, e.getMessage());
                unavailable.add(e.getMessage());
                last = e;
            }
        }
        throw new AudioException(AudioException.Kind.BACKEND_UNAVAILABLE,
                "no capture backend is available here (" + String.join("; ", unavailable)
                        + "); the synthetic \"tone\" backend needs nothing", last);
    }
}
