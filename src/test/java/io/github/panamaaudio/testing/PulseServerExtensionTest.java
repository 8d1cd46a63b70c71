package io.github.panamaaudio.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PulseServerExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PulseServerExtensionTest {

    private final PulseServer server;

    PulseServerExtensionTest(PulseServer server) {
        this.server = server;
    }

    @Test
    void theSharedServerIsOneInstanceThatAnswersOnItsUnixSocket(PulseServer fromMethod) {
        assertSame(server, fromMethod);
        assertTrue(server.address().startsWith("unix:/"), server.address());
        assertTrue(server.address().endsWith("/pulse/native"), server.address());
        assertTrue(Files.exists(Path.of(server.address().substring("unix:".length()))));
        String info = server.pactl("info");
        assertTrue(info.contains("Default Sink: " + server.sinkName()), info);
        assertTrue(info.contains("Default Source: " + server.sineSourceName()), info);
    }

    @Test
    void pactlListsTheSineSourceAndTheMonitorOfTheNullSink() {
        List<String> sources = names(server.pactl("list", "short", "sources"));
        assertTrue(sources.contains(server.sineSourceName()), sources.toString());
        assertTrue(sources.contains(server.monitorOfSink()), sources.toString());
        assertEquals(List.of(server.sinkName()), names(server.pactl("list", "short", "sinks")));
    }

    @Test
    void pactlFailureCarriesPactlsErrorMessage() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> server.pactl("set-default-sink", "no_such_sink"));
        assertTrue(e.getMessage().contains("exited with status"), e.getMessage());
        assertTrue(e.getMessage().contains("No such entity"), e.getMessage());
    }

    @Test
    void aToneOfOneKilohertzPlayedIntoTheSinkComesOutOfItsMonitor() throws Exception {
        try (PulseServer.Player player = server.playTone(1000)) {
            assertTrue(player.isAlive());
            byte[] pcm = record(server, server.monitorOfSink(), 2, Duration.ofSeconds(1));
            // the first blocks of a null sink may hold silence from before the player
            double[] mono = Signals.toMono(Arrays.copyOfRange(pcm, pcm.length / 2, pcm.length), "S16LE", 2);
            assertEquals(1000.0, Signals.dominantFrequency(mono, PulseServer.SAMPLE_RATE), 1.0);
            assertEquals(0.5 / Math.sqrt(2), Signals.rms(mono), 0.02);
        }
    }

    @Test
    void theSineSourceCarries440Hertz() throws Exception {
        byte[] pcm = record(server, server.sineSourceName(), 1, Duration.ofSeconds(1));
        double[] mono = Signals.toMono(pcm, "S16LE", 1);
        assertEquals(PulseServer.SINE_FREQUENCY_HZ, Signals.dominantFrequency(mono, PulseServer.SAMPLE_RATE), 1.0);
        assertTrue(Signals.rms(mono) > 0.1, "rms " + Signals.rms(mono));
    }

    @Test
    void closingAPlayerEndsBothItsProcessesAndIsIdempotent() {
        PulseServer.Player player = server.playTone(300);
        Process pacat = player.process();
        player.close();
        player.close();
        assertFalse(pacat.isAlive());
        assertFalse(player.isAlive());
    }

    @Test
    void aPrivateServerCanBeKilledRestartedAndGivenAnotherSink() {
        PulseServer own = PulseServer.start();
        try {
            Path runtimeDir = own.runtimeDir();
            PulseServer.Player player = own.playTone(500);

            own.kill();
            assertFalse(own.isRunning());
            assertThrows(IllegalStateException.class, () -> own.pactl("info"));
            assertTrue(player.process().waitFor(10, TimeUnit.SECONDS), "pacat ends when its server is gone");

            own.restart();
            assertTrue(own.isRunning());
            assertTrue(names(own.pactl("list", "short", "sources")).contains(own.sineSourceName()));

            int module = own.loadNullSink("pac_extra");
            assertTrue(names(own.pactl("list", "short", "sinks")).contains("pac_extra"));
            own.unloadModule(module);
            assertFalse(names(own.pactl("list", "short", "sinks")).contains("pac_extra"));

            own.close();
            assertFalse(own.isRunning());
            assertFalse(Files.exists(runtimeDir), "the temporary runtime directory is deleted");
            assertThrows(IllegalStateException.class, own::restart);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            own.close();
        }
        assertTrue(server.isRunning(), "the shared server is untouched");
    }

    @Test
    void aServerInAFixedDirectoryReplacesAStaleOneLeftThere() throws IOException {
        // java.io.tmpdir, not @TempDir: the socket path must stay under 108 bytes
        Path dir = Files.createTempDirectory("pac-fixed-");
        try (PulseServer first = PulseServer.start(dir)) {
            long stalePid = Long.parseLong(Files.readString(dir.resolve("pulse/pid")).strip());
            // a second server in the same directory stands for the next run after a crash
            try (PulseServer second = PulseServer.start(dir)) {
                assertFalse(ProcessHandle.of(stalePid).map(ProcessHandle::isAlive).orElse(false));
                assertTrue(second.pactl("info").contains("Server Name: pulseaudio"));
            }
            assertFalse(first.isRunning());
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void aMissingBinaryFailsWithAHintToRunScriptsTest() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PulseServer.requireCommand("pac-no-such-binary"));
        assertTrue(e.getMessage().contains("scripts/test"), e.getMessage());
    }

    private static List<String> names(String pactlShortList) {
        return pactlShortList.lines().map(line -> line.split("\t")[1]).toList();
    }

    /** Records at least {@code duration} of s16le 48 kHz audio from {@code source} with parec. */
    private static byte[] record(PulseServer server, String source, int channels, Duration duration)
            throws IOException, InterruptedException {
        int bytes = (int) (duration.toMillis() * PulseServer.SAMPLE_RATE / 1000) * 2 * channels;
        Process parec = new ProcessBuilder("parec", "--server=" + server.address(), "--raw",
                "--device=" + source, "--format=s16le", "--rate=" + PulseServer.SAMPLE_RATE,
                "--channels=" + channels, "--latency-msec=20")
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (InputStream in = parec.getInputStream()) {
            byte[] pcm = in.readNBytes(bytes);
            assertEquals(bytes, pcm.length, "parec ended early with exit status "
                    + (parec.isAlive() ? "(running)" : parec.exitValue()));
            return pcm;
        } finally {
            parec.destroyForcibly();
            parec.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
