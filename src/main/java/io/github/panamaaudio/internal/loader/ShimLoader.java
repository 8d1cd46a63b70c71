package io.github.panamaaudio.internal.loader;

import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.internal.ffi.PacShim;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Loads the C shim before any generated binding class is touched.
 *
 * <p>The library comes from the system property {@value #LIBRARY_PROPERTY} (an
 * installed copy) or from the jar's {@code native/<os>-<arch>/} directory
 * ({@link NativePlatform}: {@code libpanamaaudio.so} on Linux, {@code panamaaudio.dll} on
 * Windows), copied into a fresh directory only the user can use, with an unpredictable
 * name ({@link Extraction}), and loaded. On Linux the copy is deleted right away (the
 * mapping outlives the file). Windows cannot delete a loaded DLL, so there the copy stays
 * and a later start removes the extractions no process uses any more.
 *
 * <p>Thread-safety: {@link #ensureLoaded()} may be called from any thread; the
 * first call loads, later calls return the first outcome.
 */
public final class ShimLoader {

    /** System property naming an installed copy of the shim to load instead of the bundled one. */
    public static final String LIBRARY_PROPERTY = "panamaaudio.library.path";

    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio");
    private static final String MODULE_NAME = "io.github.panamaaudio";

    private static final Object LOCK = new Object();
    private static volatile boolean loaded;
    private static AudioException failure;

    private ShimLoader() {
    }

    /** Loads the shim once; throws the same {@link AudioException} on every call if that failed. */
    public static void ensureLoaded() throws AudioException {
        if (loaded) {
            return;
        }
        synchronized (LOCK) {
            if (loaded) {
                return;
            }
            if (failure != null) {
                throw new AudioException(failure.kind(), failure.getMessage(), failure);
            }
            try {
                load();
                loaded = true;
            } catch (AudioException e) {
                failure = e;
                throw e;
            }
        }
    }

    /** The {@code <os>-<arch>} directory name of this platform inside the jar. */
    public static String platform() {
        return NativePlatform.current().directoryName();
    }

    /** The one line to print when --enable-native-access is missing for this code. */
    public static String nativeAccessHint() {
        Module module = ShimLoader.class.getModule();
        String flag = module.isNamed() ? "--enable-native-access=" + MODULE_NAME : "--enable-native-access=ALL-UNNAMED";
        return "Panama Audio Capture needs --enable-native-access: start java with " + flag;
    }

    private static void load() throws AudioException {
        if (!ShimLoader.class.getModule().isNativeAccessEnabled()) {
            LOG.log(Level.WARNING, nativeAccessHint());
        }
        String installed = System.getProperty(LIBRARY_PROPERTY);
        try {
            if (installed != null && !installed.isBlank()) {
                System.load(Path.of(installed).toAbsolutePath().toString());
            } else {
                loadBundled();
            }
        } catch (UnsatisfiedLinkError | IOException | SecurityException e) {
            throw new AudioException(AudioException.Kind.NATIVE_UNAVAILABLE,
                    "the C shim could not be loaded for " + platform() + ": " + e.getMessage(), e);
        }
        int abi;
        try {
            abi = PacShim.pac_abi_version();
        } catch (IllegalCallerException e) {
            throw new AudioException(AudioException.Kind.NATIVE_UNAVAILABLE, nativeAccessHint(), e);
        } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
            throw new AudioException(AudioException.Kind.NATIVE_UNAVAILABLE,
                    "the C shim is loaded but its symbols are not: " + e, e);
        }
        if (abi != PacShim.PAC_ABI_VERSION()) {
            throw new AudioException(AudioException.Kind.NATIVE_UNAVAILABLE, "the C shim has ABI version "
                    + abi + " but these bindings need " + PacShim.PAC_ABI_VERSION());
        }
        LOG.log(Level.DEBUG, "C shim loaded (ABI {0})", abi);
    }

    private static void loadBundled() throws IOException {
        NativePlatform platform = NativePlatform.current();
        String resource = platform.resourcePath();
        try (InputStream in = ShimLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("no " + resource + " in the jar: this platform is not supported yet"
                        + " (or set -D" + LIBRARY_PROPERTY + "=/path/to/" + platform.libraryFileName() + ")");
            }
            Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
            if (!platform.deletesLoadedLibrary()) {
                try {
                    int removed = Extraction.removeStale(tmp, Extraction.STALE_AFTER);
                    if (removed > 0) {
                        LOG.log(Level.DEBUG, "removed {0} earlier extraction(s) of the C shim", removed);
                    }
                } catch (IOException e) {
                    LOG.log(Level.DEBUG, "could not look for earlier extractions of the C shim: " + e);
                }
            }
            Path dir = Extraction.createPrivateDirectory(tmp, platform);
            Path file = dir.resolve(platform.libraryFileName());
            boolean loadedHere = false;
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toString());
                loadedHere = true;
            } finally {
                // never delete a DLL Windows has loaded; everything else goes now
                if (!loadedHere || platform.deletesLoadedLibrary()) {
                    Files.deleteIfExists(file);
                    Files.deleteIfExists(dir);
                }
            }
        }
    }
}
