package io.github.panamaaudio.internal.loader;

import java.util.Locale;

/**
 * The operating system and architecture this JVM runs on, and what follows from them for
 * the native library: its file name, where it sits in the jar, and whether a loaded copy
 * may be deleted. The only place in the library that looks at {@code os.name} and
 * {@code os.arch}.
 *
 * <p>Thread-safety: immutable.
 *
 * @param os   {@code linux}, {@code windows}, {@code darwin}, or the lowercased
 *             {@code os.name} with spaces as underscores for any other system
 * @param arch {@code x86_64}, {@code aarch64}, or the lowercased {@code os.arch}
 */
public record NativePlatform(String os, String arch) {

    /** Base name of the shim; the file name adds the platform's prefix and suffix. */
    static final String LIBRARY_NAME = "panamaaudio";

    /** This JVM's platform. */
    public static NativePlatform current() {
        return of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /** The platform of the given {@code os.name} and {@code os.arch} values. */
    public static NativePlatform of(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT).trim();
        String osPart = os.startsWith("linux") ? "linux"
                : os.startsWith("windows") ? "windows"
                : os.startsWith("mac") || os.startsWith("darwin") ? "darwin"
                : os.replace(' ', '_');
        String arch = osArch.toLowerCase(Locale.ROOT).trim();
        String archPart = switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return new NativePlatform(osPart, archPart);
    }

    public boolean isWindows() {
        return os.equals("windows");
    }

    /** The {@code <os>-<arch>} directory of this platform under {@code native/} in the jar. */
    public String directoryName() {
        return os + "-" + arch;
    }

    /** {@code panamaaudio.dll} on Windows, {@code libpanamaaudio.dylib} on macOS, else {@code libpanamaaudio.so}. */
    public String libraryFileName() {
        return switch (os) {
            case "windows" -> LIBRARY_NAME + ".dll";
            case "darwin" -> "lib" + LIBRARY_NAME + ".dylib";
            default -> "lib" + LIBRARY_NAME + ".so";
        };
    }

    /** The library's resource path in the jar, e.g. {@code /native/windows-x86_64/panamaaudio.dll}. */
    public String resourcePath() {
        return "/native/" + directoryName() + "/" + libraryFileName();
    }

    /**
     * Whether the extracted file may be deleted once loaded. POSIX systems unlink a mapped
     * file and keep the mapping; Windows refuses to delete a loaded DLL, so there the
     * extraction stays until a later start finds it unused ({@link Extraction#removeStale}).
     */
    public boolean deletesLoadedLibrary() {
        return !isWindows();
    }

    /** Whether the file system of this platform takes POSIX permissions (never asked on Windows). */
    public boolean usesPosixPermissions() {
        return !isWindows();
    }
}
