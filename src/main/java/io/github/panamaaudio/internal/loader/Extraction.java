package io.github.panamaaudio.internal.loader;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryFlag;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;

/**
 * Where the bundled library is extracted to: a fresh directory per load that only the
 * user can enter, with an unpredictable name ({@link Files#createTempDirectory}), and the
 * clean-up of earlier extractions that a Windows process had to leave behind.
 *
 * <p>Thread-safety: stateless; concurrent loads in several JVMs are safe: each extracts
 * into its own directory, and {@link #removeStale} spares young directories and every file
 * a process still has loaded (Windows refuses to delete those).
 */
final class Extraction {

    /** Name prefix of every extraction directory. */
    static final String PREFIX = "panama-audio-";

    /** Extractions younger than this are never removed: another JVM may be about to load one. */
    static final Duration STALE_AFTER = Duration.ofMinutes(10);

    private Extraction() {
    }

    /**
     * A new directory under {@code parent} that only the current user may use. POSIX: mode
     * 0700 at creation. Windows: no POSIX call at all (it would throw there); the
     * directory's ACL is replaced by one entry giving its owner full control (Windows' own
     * temporary directory is per user already).
     */
    static Path createPrivateDirectory(Path parent, NativePlatform platform) throws IOException {
        if (platform.usesPosixPermissions()) {
            return Files.createTempDirectory(parent, PREFIX,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Path dir = Files.createTempDirectory(parent, PREFIX);
        restrictToOwner(dir);
        return dir;
    }

    private static void restrictToOwner(Path dir) throws IOException {
        AclFileAttributeView acl = Files.getFileAttributeView(dir, AclFileAttributeView.class);
        if (acl == null) {
            return; // a file system without ACLs: nothing to narrow
        }
        AclEntry ownerOnly = AclEntry.newBuilder()
                .setType(AclEntryType.ALLOW)
                .setPrincipal(acl.getOwner())
                .setPermissions(EnumSet.allOf(AclEntryPermission.class))
                .setFlags(AclEntryFlag.FILE_INHERIT, AclEntryFlag.DIRECTORY_INHERIT)
                .build();
        acl.setAcl(List.of(ownerOnly));
    }

    /**
     * Deletes the extraction directories under {@code parent} older than {@code minAge}
     * whose files can be deleted; a directory whose library some process still has loaded
     * (Windows: the delete fails) is left for a later start. Returns how many were removed.
     * Never throws for a directory it cannot remove.
     */
    static int removeStale(Path parent, Duration minAge) throws IOException {
        int removed = 0;
        Instant cutoff = Instant.now().minus(minAge);
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path dir : dirs) {
                if (!Files.isDirectory(dir) || Files.isSymbolicLink(dir)) {
                    continue;
                }
                try {
                    FileTime modified = Files.getLastModifiedTime(dir);
                    if (modified.toInstant().isAfter(cutoff)) {
                        continue;
                    }
                    if (deleteTree(dir)) {
                        removed++;
                    }
                } catch (IOException e) {
                    // in use, or not ours to delete: leave it
                }
            }
        }
        return removed;
    }

    /** Deletes the files of dir, then dir; false if anything stays (a loaded DLL). */
    private static boolean deleteTree(Path dir) throws IOException {
        boolean all = true;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    all = false;
                }
            }
        }
        if (all) {
            Files.delete(dir);
        }
        return all;
    }
}
