package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.Signals;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.sound.sampled.AudioFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

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
    void devicesOfTheToneBackendAreItsTwoInputsAndNoOutputsOrApplications() {
        Cli run = Cli.run("devices", "--backend", "tone");
        assertEquals(0, run.status(), run::toString);
        List<String> lines = run.out().lines().toList();
        assertEquals("Inputs (backend tone):", lines.getFirst(), run::toString);
        assertTrue(lines.get(1).matches("  ID\\s+DEFAULT\\s+FORMAT\\s+DESCRIPTION"), run::toString);
        assertTrue(lines.get(2).matches("  sine\\s+yes\\s+.*48000 Hz 2 ch\\s+Synthetic sine.*"), run::toString);
        assertTrue(lines.get(3).matches("  pattern\\s+-\\s+.*48000 Hz 2 ch\\s+Synthetic test pattern.*"),
                run::toString);
        int outputs = lines.indexOf("Outputs (capturing one records its loopback):");
        assertTrue(outputs > 3, run::toString);
        assertEquals("  (no outputs)", lines.get(outputs + 1), run::toString);
        int apps = lines.indexOf("Applications playing:");
        assertEquals("  (none)", lines.get(apps + 1), run::toString);
    }

    @Test
    void devicesJsonOfTheToneBackendParsesAndListsItsInputs() {
        Cli run = Cli.run("devices", "--backend", "tone", "--json");
        assertEquals(0, run.status(), run::toString);
        Map<String, Object> doc = JsonReader.object(JsonReader.parse(run.out().strip()));
        assertEquals("tone", doc.get("backend"));
        List<Object> inputs = JsonReader.array(doc.get("inputs"));
        assertEquals(List.of("sine", "pattern"),
                inputs.stream().map(i -> JsonReader.object(i).get("id")).toList(), run::toString);
        assertEquals(Boolean.TRUE, JsonReader.object(inputs.getFirst()).get("default"));
        assertEquals(48_000.0, JsonReader.object(inputs.getFirst()).get("sampleRate"));
        assertEquals(List.of(), doc.get("outputs"));
        assertEquals(List.of(), doc.get("applications"));
    }

    @Test
    void recordingAToneDeviceWithParametersGivesThatFrequency() throws Exception {
        Path file = dir.resolve("1k.wav");
        Cli run = Cli.run("record", "--backend", "tone", "--device", "sine?frequency=1000&paced=false",
                "--duration", "500ms", "--output", file.toString());
        assertEquals(0, run.status(), run::toString);
        assertEquals(1000.0, Signals.dominantFrequency(Wav.read(file).mono(), 48_000), 2.0);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void monitorEventsListensForItsDurationPrintsNoEventsWhenNothingChangesAndStopsItsEventThread() {
        long start = System.nanoTime();
        Cli run = Cli.run("monitor", "--backend", "tone", "--events", "--duration", "1500ms");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.err().startsWith("watching devices and applications (tone) for 1.5 s"), run::toString);
        assertTrue(run.out().matches("stopped after 1\\.[5-9] s: 0 events\\R"), run::toString);
        assertTrue(seconds >= 1.5 && seconds < 5, "ran for " + seconds + " s");
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("panama-audio-events") && t.isAlive()),
                "the capture's event thread ended with the command");
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
