package io.github.panamaaudio.javasound;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.testing.Signals;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/**
 * Runs {@link JavaSoundRecorderMain} in a child JVM whose class path holds the
 * library's classes (with its {@code META-INF/services} registration and the C shim)
 * and that one class — no test class, no JUnit — so the program sees the library only
 * as a Java Sound provider. And reads back the WAVE file it wrote.
 */
final class JavaSoundChild {

    /** What the child printed and how it ended. */
    record Result(int exitCode, String output) {
    }

    /** A WAVE file's format and samples (as mono, normalized). */
    record Recording(AudioFormat format, long frames, double[] mono) {
        double seconds() {
            return frames / format.getSampleRate();
        }

        /** The part from {@code fromSeconds} on (the start may be a server's first block or a quantum of zeros). */
        double[] after(double fromSeconds) {
            int from = (int) Math.min(mono.length, Math.round(fromSeconds * format.getSampleRate()));
            return Arrays.copyOfRange(mono, from, mono.length);
        }
    }

    private JavaSoundChild() {
    }

    static Result run(Path workDir, Map<String, String> environment, String... args) throws Exception {
        Path libraryClasses = Path.of(AudioStream.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.exists(libraryClasses.resolve("META-INF/services/javax.sound.sampled.spi.MixerProvider"))
                || libraryClasses.toString().endsWith(".jar"), "the library's classes: " + libraryClasses);
        Path mainDir = workDir.resolve("main");
        String mainResource = JavaSoundRecorderMain.class.getName().replace('.', '/') + ".class";
        Path mainClass = mainDir.resolve(mainResource);
        Files.createDirectories(mainClass.getParent());
        try (InputStream in = JavaSoundRecorderMain.class.getClassLoader().getResourceAsStream(mainResource)) {
            assertNotNull(in, mainResource);
            Files.copy(in, mainClass, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        String classPath = String.join(File.pathSeparator, libraryClasses.toString(), mainDir.toString());
        String java = ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true", "-cp", classPath, JavaSoundRecorderMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("PULSE_SERVER");
        pb.environment().putAll(environment);
        Process child = pb.start();
        child.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Thread pump = Thread.ofVirtual().start(() -> {
            try (InputStream in = child.getInputStream()) {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the child is gone
            }
        });
        boolean finished = child.waitFor(60, TimeUnit.SECONDS);
        if (!finished) {
            child.destroyForcibly();
        }
        pump.join(5000);
        String output = out.toString(StandardCharsets.UTF_8);
        assertTrue(finished, "the child JVM did not finish in 60 s; command " + command + "\noutput:\n" + output);
        return new Result(child.exitValue(), output);
    }

    static Recording readWave(Path file) throws IOException, UnsupportedAudioFileException {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat f = in.getFormat();
            byte[] bytes = in.readAllBytes();
            String format = (f.getEncoding() == AudioFormat.Encoding.PCM_FLOAT ? "F" : "S")
                    + f.getSampleSizeInBits() + "LE";
            return new Recording(f, bytes.length / f.getFrameSize(), Signals.toMono(bytes, format, f.getChannels()));
        }
    }
}
