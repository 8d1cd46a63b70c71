package io.github.panamaaudio.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.AudioStream;

import java.io.File;
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
 * micrometer-core is an optional dependency: a child JVM with only the library's
 * classes (it has no other runtime dependency) and one main class on its class path
 * loads the library and captures from the tone backend.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WorksWithoutMicrometerTest {

    @Test
    void theLibraryLoadsAndCapturesWithNoMicrometerOnTheClassPath(@TempDir Path mainDir) throws Exception {
        Path libraryClasses = Path.of(AudioStream.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(libraryClasses) || libraryClasses.toString().endsWith(".jar"),
                "the library's classes: " + libraryClasses);
        // Only the main class, not target/test-classes (whose tests use Micrometer).
        String mainResource = CaptureWithoutMicrometerMain.class.getName().replace('.', '/') + ".class";
        Path mainClass = mainDir.resolve(mainResource);
        Files.createDirectories(mainClass.getParent());
        try (InputStream in = CaptureWithoutMicrometerMain.class.getClassLoader().getResourceAsStream(mainResource)) {
            assertNotNull(in, mainResource);
            Files.copy(in, mainClass);
        }

        String classPath = String.join(File.pathSeparator, libraryClasses.toString(), mainDir.toString());
        assertFalse(classPath.toLowerCase().contains("micrometer"), "child class path: " + classPath);

        String java = ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", classPath, CaptureWithoutMicrometerMain.class.getName()));
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        child.getOutputStream().close();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish; output:\n" + output);

        assertEquals(0, child.exitValue(), "child exit status; command " + command + "\noutput:\n" + output);
        assertTrue(output.contains("micrometer absent"), output);
        assertTrue(output.contains("captured " + CaptureWithoutMicrometerMain.PACKETS + " packets"), output);
    }
}
