package io.github.panamaaudio.modulepath;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.AudioCapture;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as a JPMS module: a child JVM with it (its only module) on the module
 * path captures; with {@code --enable-native-access=io.github.panamaaudio} the JDK
 * has nothing to warn about, and without it the library says, in one line, which
 * flag to pass.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModulePathTest {

    private static final String HINT =
            "needs --enable-native-access: start java with --enable-native-access=io.github.panamaaudio";

    private record Run(int exit, String output) {
    }

    private static Run runChild(Path mainDir, String... jvmFlags) throws Exception {
        Path library = Path.of(AudioCapture.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String mainResource = ModulePathMain.class.getName().replace('.', '/') + ".class";
        Path mainClass = mainDir.resolve(mainResource);
        if (!Files.exists(mainClass)) {
            Files.createDirectories(mainClass.getParent());
            try (InputStream in = ModulePathMain.class.getClassLoader().getResourceAsStream(mainResource)) {
                assertNotNull(in, mainResource);
                Files.copy(in, mainClass);
            }
        }
        String java = ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(List.of(jvmFlags));
        command.addAll(List.of("--module-path", library.toString(),
                "--add-modules", "io.github.panamaaudio", "-cp", mainDir.toString(), ModulePathMain.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        child.getOutputStream().close();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish:\n" + output);
        return new Run(child.exitValue(), output);
    }

    @Test
    void capturesAsANamedModuleWithItsNativeAccessFlagAndNoWarning(@TempDir Path mainDir) throws Exception {
        Run run = runChild(mainDir, "--enable-native-access=io.github.panamaaudio");
        assertEquals(0, run.exit(), run.output());
        assertTrue(run.output().contains("library module: io.github.panamaaudio"), run.output());
        assertTrue(run.output().contains("captured 10 packets"), run.output());
        assertFalse(run.output().contains("WARNING"), "no warning of any kind:\n" + run.output());
    }

    @Test
    void withoutTheFlagOneLineNamesIt(@TempDir Path mainDir) throws Exception {
        Run run = runChild(mainDir);
        assertTrue(run.output().contains(HINT), "the hint line:\n" + run.output());
        assertEquals(1, run.output().lines().filter(l -> l.contains(HINT)).count(), run.output());
    }
}
