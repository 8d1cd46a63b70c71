package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.Signals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The audio server dies during {@code record}: a runtime failure, and the audio captured so far is kept. */
class ServerLossTest {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aServerThatGoesAwayMidRecordingExitsWithFailureAndLeavesAValidFileOfWhatWasCaptured() throws Exception {
        Path file = dir.resolve("cut.wav");
        Cli run;
        try (PulseServer pulse = PulseServer.start()) {
            CompletableFuture<Cli> recording = CompletableFuture.supplyAsync(() -> Cli.run("record",
                    "--server", pulse.address(), "--device", pulse.sineSourceName(), "--channels", "1",
                    "--duration", "30s", "--output", file.toString()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!(Files.exists(file) && Files.size(file) > 44 + 48_000 * 2)) { // > 1 s captured
                assertTrue(System.nanoTime() - deadline < 0 && !recording.isDone(),
                        () -> "no audio arrived: " + recording.getNow(null));
                Thread.sleep(50);
            }
            pulse.kill(); // SIGKILL: the server vanishes without a goodbye
            run = recording.get(30, TimeUnit.SECONDS);
        }
        assertEquals(Main.EXIT_FAILURE, run.status(), run::toString);
        String lastLine = run.err().lines().reduce((a, b) -> b).orElse("");
        assertTrue(lastLine.startsWith("error: ") && lastLine.contains("disconnected"), run::toString);
        assertTrue(run.err().contains("captured before the failure in " + file.toAbsolutePath()), run::toString);

        Wav.Content wav = Wav.read(file);
        long frames = wav.fileFormat().getFrameLength();
        assertTrue(frames >= 48_000 && frames < 30 * 48_000, "frames " + frames);
        assertEquals(44 + frames * 2, Files.size(file), "the header's sizes match the data written");
        assertEquals(440.0, Signals.dominantFrequency(wav.mono(), 48_000), 5.0);
    }
}
