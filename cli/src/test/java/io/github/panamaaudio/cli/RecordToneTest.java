package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.Signals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.sound.sampled.AudioFormat;
import java.nio.file.Files;
import java.nio.file.Path;

/** {@code record --backend tone}: the synthetic backend, real C capture path, no server. */
class RecordToneTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} at {1} Hz, {2} ch, {3} ms packets, {4}")
    @CsvSource({
        "S16LE, 48000, 2, 10, 500ms, 24000",
        "S32LE, 44100, 1,  7, 1s,    44100",   // 309-frame packets: the last one is cut
        "F32LE, 16000, 2, 30, 0.25,  4000",
    })
    void recordWritesExactlyRateTimesDurationFramesWithAValidHeader(String format, int rate, int channels,
                                                                     int packetMs, String duration,
                                                                     long expectedFrames) throws Exception {
        Path file = dir.resolve("tone-" + format + ".wav");
        Cli run = Cli.run("record", "--backend", "tone", "--output", file.toString(), "--format", format,
                "--rate", Integer.toString(rate), "--channels", Integer.toString(channels),
                "--packet-ms", Integer.toString(packetMs), "--duration", duration);
        assertEquals(0, run.status(), run::toString);

        Wav.Content wav = Wav.read(file);
        AudioFormat f = wav.format();
        assertEquals(expectedFrames, wav.fileFormat().getFrameLength(), run::toString);
        assertEquals(expectedFrames, wav.mono().length);
        assertEquals(rate, f.getSampleRate());
        assertEquals(channels, f.getChannels());
        assertEquals(format.equals("S16LE") ? 16 : 32, f.getSampleSizeInBits());
        assertEquals(format.equals("F32LE") ? AudioFormat.Encoding.PCM_FLOAT : AudioFormat.Encoding.PCM_SIGNED,
                f.getEncoding());
        int header = format.equals("F32LE") ? 58 : 44;
        assertEquals(header + expectedFrames * channels * (format.equals("S16LE") ? 2 : 4), Files.size(file));
        assertEquals(440.0, Signals.dominantFrequency(wav.mono(), rate), 2.0, "the tone backend plays 440 Hz");

        assertTrue(run.out().contains("wrote " + file.toAbsolutePath()), run::toString);
        assertTrue(run.out().contains("frames: " + expectedFrames + " "), run::toString);
        assertTrue(run.out().contains("overruns: 0"), run::toString);
        assertTrue(run.out().matches("(?s).*pool: hits \\d+, misses \\d+, dynamic allocations \\d+, pool size \\d+ "
                + "\\(max 256\\), in use 0, leaks 0, hit rate \\d+\\.\\d\\d %.*"), run::toString);
    }

    @Test
    void devicesOfTheToneBackendIsItsOneDevice() {
        Cli run = Cli.run("devices", "--backend", "tone");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().startsWith("NAME"), run::toString);
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("tone ") && l.contains("default")), run::toString);
    }

    @Test
    void monitorWithADurationPrintsAStatusLineEverySecondAndStops() {
        Cli run = Cli.run("monitor", "--backend", "tone", "--duration", "2500ms");
        assertEquals(0, run.status(), run::toString);
        long statusLines = run.out().lines().filter(l -> l.matches("\\s+\\d+ s  packets \\d+ .*")).count();
        assertEquals(2, statusLines, run::toString);
        assertTrue(run.out().contains("pool hit rate"), run::toString);
        assertTrue(run.out().contains("stopped after"), run::toString);
    }
}
