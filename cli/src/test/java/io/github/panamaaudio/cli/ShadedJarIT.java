package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The shaded jar as users run it: {@code java -jar panama-audio-capture-cli.jar}
 * without {@code --enable-native-access} (the manifest grants it), stopped by
 * SIGTERM like Ctrl-C stops it, scraped over HTTP from another process.
 */
class ShadedJarIT {

    private static final Path JAR = Path.of(System.getProperty("cli.jar", "target/panama-audio-capture-cli.jar"));
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    Path dir;

    /** A child process with its stdout and stderr collected line by line. */
    private static final class Child implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> errLines = new LinkedBlockingQueue<>();
        final StringBuffer out = new StringBuffer();
        final StringBuffer err = new StringBuffer();
        private final Thread outReader;
        private final Thread errReader;

        Child(String... args) throws IOException {
            List<String> command = new ArrayList<>(List.of(JAVA.toString(), "-jar", JAR.toString()));
            command.addAll(List.of(args));
            process = new ProcessBuilder(command).start();
            outReader = Thread.ofPlatform().daemon().start(() -> pump(process.getInputStream(), out, null));
            errReader = Thread.ofPlatform().daemon().start(() -> pump(process.getErrorStream(), err, errLines));
        }

        private static void pump(InputStream in, StringBuffer all, BlockingQueue<String> lines) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    all.append(line).append('\n');
                    if (lines != null) {
                        lines.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }

        /**
         * SIGTERM through the process handle: {@code Process.destroy()} would also
         * close our ends of the pipes, and the output printed on the way out be lost.
         */
        void sigterm() {
            assertTrue(process.toHandle().destroy(), "SIGTERM could not be sent");
        }

        int waitFor(long seconds) throws InterruptedException {
            assertTrue(process.waitFor(seconds, TimeUnit.SECONDS), "the CLI did not end within " + seconds + " s");
            outReader.join(5_000);
            errReader.join(5_000);
            return process.exitValue();
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }

        @Override
        public String toString() {
            return "--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    @Test
    void javaDashJarRecordsWithoutAnyNativeAccessFlagOrWarning() throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run `mvn verify`: the shaded jar " + JAR + " is missing");
        Path file = dir.resolve("tone.wav");
        try (Child cli = new Child("record", "--backend", "tone", "--duration", "1s", "--output", file.toString())) {
            assertEquals(0, cli.waitFor(30), cli::toString);
            assertFalse(cli.err.toString().contains("WARNING"), cli::toString);
            assertTrue(cli.out.toString().contains("frames: 48000 "), cli::toString);
        }
        assertEquals(48_000, Wav.read(file).fileFormat().getFrameLength());
    }

    @Test
    void sigtermDuringARecordingStillLeavesAValidFileWithTheFramesCaptured() throws Exception {
        Path file = dir.resolve("stopped.wav");
        try (Child cli = new Child("record", "--backend", "tone", "--duration", "60s", "--output",
                file.toString())) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(Files.exists(file) && Files.size(file) > 44 + 48_000 * 4)) { // > 1 s of audio written
                assertTrue(System.nanoTime() - deadline < 0 && cli.process.isAlive(), cli::toString);
                Thread.sleep(50);
            }
            cli.sigterm(); // the same shutdown path as Ctrl-C's SIGINT
            int status = cli.waitFor(20);
            assertEquals(128 + 15, status, cli::toString);
            assertTrue(cli.out.toString().contains("stopped early, 2880000 requested"), cli::toString);
            assertTrue(cli.out.toString().contains("hit rate"), cli::toString);
        }
        var format = Wav.read(file).fileFormat();
        long frames = format.getFrameLength();
        assertTrue(frames >= 48_000 && frames < 60 * 48_000, "frames " + frames);
        assertEquals(44 + frames * 4, Files.size(file), "the header's sizes were patched to the data written");
    }

    @Test
    void monitorServesItsStreamsMetricsToAnotherProcessAndStopsOnSigterm() throws Exception {
        try (Child cli = new Child("monitor", "--backend", "tone", "--metrics-port", "0")) {
            String url = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (url == null && System.nanoTime() - deadline < 0) {
                String line = cli.errLines.poll(100, TimeUnit.MILLISECONDS);
                if (line != null && line.startsWith("metrics: ")) {
                    url = line.substring("metrics: ".length());
                }
            }
            assertNotNull(url, cli::toString);
            assertTrue(url.matches("http://127\\.0\\.0\\.1:\\d+/metrics"), url);
            Thread.sleep(1500);

            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8",
                    response.headers().firstValue("Content-Type").orElse(""));
            String packets = response.body().lines()
                    .filter(l -> l.startsWith("audio_stream_packets_total{") && l.contains("stream=\"monitor\""))
                    .findFirst().orElse(null);
            assertNotNull(packets, response::body);
            double count = Double.parseDouble(packets.substring(packets.lastIndexOf(' ') + 1));
            assertTrue(count >= 50, packets);

            cli.sigterm();
            assertEquals(128 + 15, cli.waitFor(20), cli::toString);
            assertTrue(cli.out.toString().contains("stopped after"), cli::toString);
            assertTrue(cli.out.toString().lines().anyMatch(l -> l.matches("\\s+1 s  packets \\d+ .*")), cli::toString);
        }
    }

    @Test
    void monitorEventsRunsUntilSigtermAndStillPrintsItsSummary() throws Exception {
        try (Child cli = new Child("monitor", "--backend", "tone", "--events")) {
            String first = cli.errLines.poll(20, TimeUnit.SECONDS);
            assertEquals("watching devices and applications (tone) until stopped", first, cli::toString);
            Thread.sleep(500);
            assertTrue(cli.process.isAlive(), cli::toString);
            cli.sigterm();
            assertEquals(128 + 15, cli.waitFor(20), cli::toString);
            assertTrue(cli.out.toString().matches("stopped after \\d+\\.\\d s: 0 events\\n"), cli::toString);
        }
    }
}
