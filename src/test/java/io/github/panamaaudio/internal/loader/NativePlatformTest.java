package io.github.panamaaudio.internal.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loader's platform naming and extraction rules, proved on Linux for every platform. */
class NativePlatformTest {

    @Test
    void windowsNamesTheDllAndNeverDeletesItOrAsksForPosixPermissions() {
        for (String name : new String[] {"Windows 11", "Windows 10", "Windows Server 2022"}) {
            NativePlatform p = NativePlatform.of(name, "amd64");
            assertEquals("windows-x86_64", p.directoryName());
            assertEquals("panamaaudio.dll", p.libraryFileName());
            assertEquals("/native/windows-x86_64/panamaaudio.dll", p.resourcePath());
            assertTrue(p.isWindows());
            assertFalse(p.deletesLoadedLibrary());
            assertFalse(p.usesPosixPermissions());
        }
        assertEquals("windows-aarch64", NativePlatform.of("Windows 11", "aarch64").directoryName());
    }

    @Test
    void linuxAndMacNameTheirSharedLibraries() {
        NativePlatform linux = NativePlatform.of("Linux", "amd64");
        assertEquals("/native/linux-x86_64/libpanamaaudio.so", linux.resourcePath());
        assertTrue(linux.deletesLoadedLibrary());
        assertTrue(linux.usesPosixPermissions());
        assertEquals("linux-x86_64", NativePlatform.of("Linux", "x86_64").directoryName());
        assertEquals("linux-aarch64", NativePlatform.of("Linux", "aarch64").directoryName());
        NativePlatform mac = NativePlatform.of("Mac OS X", "aarch64");
        assertEquals("/native/darwin-aarch64/libpanamaaudio.dylib", mac.resourcePath());
        assertEquals("freebsd-riscv64", NativePlatform.of("FreeBSD", "riscv64").directoryName());
        assertEquals("sunos_5-sparcv9", NativePlatform.of("SunOS 5", "sparcv9").directoryName());
    }

    @Test
    void theBuiltJarCarriesTheLibraryOfThisPlatformAndTheWindowsDll() throws IOException {
        NativePlatform here = NativePlatform.current();
        assertEquals(here.directoryName(), ShimLoader.platform());
        assertNotNull(ShimLoader.class.getResource(here.resourcePath()), here.resourcePath());
        String dll = NativePlatform.of("Windows 11", "amd64").resourcePath();
        try (InputStream in = ShimLoader.class.getResourceAsStream(dll)) {
            assertNotNull(in, dll + " is not in the build output: make builds it with mingw-w64");
            assertArrayEquals(new byte[] {'M', 'Z'}, in.readNBytes(2), "a PE image starts with MZ");
        }
    }

    @Test
    void posixExtractionIsOwnerOnlyWithAnUnpredictableName(@TempDir Path parent) throws IOException {
        NativePlatform linux = NativePlatform.of("Linux", "amd64");
        Path a = Extraction.createPrivateDirectory(parent, linux);
        Path b = Extraction.createPrivateDirectory(parent, linux);
        assertNotEquals(a, b);
        assertTrue(a.getFileName().toString().startsWith(Extraction.PREFIX));
        assertTrue(a.getFileName().toString().length() > Extraction.PREFIX.length() + 8, "a random part follows");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(a)));
    }

    /** The Windows path needs neither POSIX permissions nor ACLs from the file system. */
    @Test
    void windowsExtractionWorksOnAFileSystemWithoutPosixOrAclViews(@TempDir Path tmp) throws IOException {
        URI uri = URI.create("jar:" + tmp.resolve("fs.zip").toUri());
        try (FileSystem zip = FileSystems.newFileSystem(uri, Map.of("create", "true"))) {
            assertFalse(zip.supportedFileAttributeViews().contains("posix"));
            assertFalse(zip.supportedFileAttributeViews().contains("acl"));
            Path root = zip.getPath("/");
            NativePlatform windows = NativePlatform.of("Windows 11", "amd64");
            Path a = Extraction.createPrivateDirectory(root, windows);
            Path b = Extraction.createPrivateDirectory(root, windows);
            assertTrue(Files.isDirectory(a) && Files.isDirectory(b));
            assertNotEquals(a, b);
            assertTrue(a.getFileName().toString().startsWith(Extraction.PREFIX));
        }
    }

    @Test
    void staleExtractionsAreRemovedAndYoungOnesKept(@TempDir Path parent) throws IOException {
        NativePlatform windows = NativePlatform.of("Windows 11", "amd64");
        Path old = Extraction.createPrivateDirectory(parent, windows);
        Files.writeString(old.resolve(windows.libraryFileName()), "MZ");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(2))));
        Path young = Extraction.createPrivateDirectory(parent, windows);
        Files.writeString(young.resolve(windows.libraryFileName()), "MZ");
        Path unrelated = Files.createDirectory(parent.resolve("someone-elses"));
        Files.setLastModifiedTime(unrelated, FileTime.from(Instant.now().minus(Duration.ofHours(2))));

        assertEquals(1, Extraction.removeStale(parent, Extraction.STALE_AFTER));
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(young.resolve(windows.libraryFileName())));
        assertTrue(Files.exists(unrelated));
        assertEquals(0, Extraction.removeStale(parent, Extraction.STALE_AFTER));
    }
}
