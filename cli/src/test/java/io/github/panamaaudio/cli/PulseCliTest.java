package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.Signals;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CLI against a real PulseAudio server that this class starts (private
 * runtime directory, null sink {@code pac_sink} = the default output, sine source
 * {@code pac_sine} = the default input),
 * with a real player: {@code sox … synth sine 440 | pacat} into the sink.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PulseCliTest {

    private PulseServer pulse;

    @TempDir
    Path dir;

    @BeforeAll
    void startServer() {
        pulse = PulseServer.start();
    }

    @AfterAll
    void stopServer() {
        if (pulse != null) {
            pulse.close();
        }
    }

    @Test
    void recordingTheDefaultOutputsLoopbackWhileA440HzTonePlaysGivesThreeSecondsOf440Hz() throws Exception {
        PulseServer.Player player = pulse.playTone(440);
        try {
            Thread.sleep(1000); // let the player's stream start flowing into the null sink
            Path file = dir.resolve("system-audio.wav");
            Cli run = Cli.run("record", "--server", pulse.address(), "--loopback", "--duration", "3s",
                    "--output", file.toString());
            assertEquals(0, run.status(), run::toString);

            Wav.Content wav = Wav.read(file);
            AudioFileFormat fileFormat = wav.fileFormat();
            AudioFormat format = wav.format();
            assertEquals(AudioFileFormat.Type.WAVE, fileFormat.getType());
            assertEquals(AudioFormat.Encoding.PCM_SIGNED, format.getEncoding());
            assertEquals(48_000f, format.getSampleRate());
            assertEquals(2, format.getChannels());
            assertEquals(16, format.getSampleSizeInBits());
            assertEquals(48_000 * 3, fileFormat.getFrameLength(), run::toString);
            assertEquals(44 + 48_000 * 3 * 4, Files.size(file));
            assertEquals(48_000 * 3, wav.mono().length);

            double rms = Signals.rms(wav.mono());
            assertTrue(rms > 0.05, "the recording carries the tone, RMS " + rms);
            double hz = Signals.dominantFrequency(wav.mono(), 48_000);
            assertEquals(440.0, hz, 5.0, "dominant frequency of the recording");

            assertTrue(run.out().contains("frames: 144000 (3.000 s at 48000 Hz, 2 ch, S16LE)"), run::toString);
            assertTrue(run.out().contains("hit rate"), run::toString);
        } finally {
            player.close();
        }
    }

    @Test
    void recordingTheSineSourceByNameInFloatGivesItsFrequency() throws Exception {
        Path file = dir.resolve("sine.wav");
        Cli run = Cli.run("record", "--server", pulse.address(), "--device", pulse.sineSourceName(),
                "--format", "F32LE", "--channels", "1", "--duration", "2s", "--output", file.toString());
        assertEquals(0, run.status(), run::toString);
        Wav.Content wav = Wav.read(file);
        assertEquals(AudioFormat.Encoding.PCM_FLOAT, wav.format().getEncoding());
        assertEquals(96_000, wav.fileFormat().getFrameLength());
        assertEquals(440.0, Signals.dominantFrequency(wav.mono(), 48_000), 5.0);
    }

    @Test
    void recordingAnOutputByItsIdCapturesItsLoopback() throws Exception {
        PulseServer.Player player = pulse.playTone(440);
        try {
            Thread.sleep(1000);
            Path file = dir.resolve("output-by-id.wav");
            Cli run = Cli.run("record", "--server", pulse.address(), "--device", pulse.sinkName(),
                    "--duration", "2s", "--output", file.toString());
            assertEquals(0, run.status(), run::toString);
            Wav.Content wav = Wav.read(file);
            assertTrue(Signals.rms(wav.mono()) > 0.05, "the output's loopback carries the player's tone");
            assertEquals(440.0, Signals.dominantFrequency(wav.mono(), 48_000), 5.0);
        } finally {
            player.close();
        }
    }

    @Test
    void devicesListsInputsAndOutputsInTheirOwnTablesWithDefaultsAndFormats() {
        Cli run = Cli.run("devices", "--server", pulse.address());
        assertEquals(0, run.status(), run::toString);
        List<String> lines = run.out().lines().toList();
        int inputs = lines.indexOf("Inputs (backend pulse):");
        int outputs = lines.indexOf("Outputs (capturing one records its loopback):");
        int apps = lines.indexOf("Applications playing:");
        assertTrue(inputs == 0 && inputs < outputs && outputs < apps, run::toString);
        List<String> inputRows = lines.subList(inputs + 1, outputs);
        List<String> outputRows = lines.subList(outputs + 1, apps);
        assertTrue(inputRows.getFirst().matches("  ID\\s+DEFAULT\\s+FORMAT\\s+DESCRIPTION"), run::toString);
        assertTrue(outputRows.getFirst().matches("  ID\\s+DEFAULT\\s+FORMAT\\s+DESCRIPTION"), run::toString);
        // The sine source is float32 mono, the null sink s16le stereo: the format is optional until the
        // backend reports one of ours.
        assertTrue(inputRows.stream().anyMatch(l -> l.matches("  pac_sine\\s+yes\\s+(F32LE )?48000 Hz 1 ch\\s+\\S.*")),
                run::toString);
        assertTrue(outputRows.stream().anyMatch(l -> l.matches("  pac_sink\\s+yes\\s+(S16LE )?48000 Hz 2 ch\\s+\\S.*")),
                run::toString);
        assertFalse(run.out().contains(".monitor"), "an output is listed once, by its own id, not as a monitor");
        assertFalse(inputRows.stream().anyMatch(l -> l.contains("pac_sink")), "an output is not an input");
    }

    @Test
    void devicesListsAnOutputLoadedAfterTheServerStartedAsANonDefaultOutput() {
        int module = pulse.loadNullSink("pac_cli_extra");
        try {
            Cli run = Cli.run("devices", "--server", pulse.address());
            assertEquals(0, run.status(), run::toString);
            List<String> lines = run.out().lines().toList();
            int outputs = lines.indexOf("Outputs (capturing one records its loopback):");
            assertTrue(lines.subList(outputs, lines.size()).stream()
                    .anyMatch(l -> l.matches("  pac_cli_extra\\s+-\\s+(S16LE )?48000 Hz 2 ch\\s+.*")), run::toString);
        } finally {
            pulse.unloadModule(module);
        }
        Cli after = Cli.run("devices", "--server", pulse.address());
        assertFalse(after.out().contains("pac_cli_extra"), after::toString);
    }

    @Test
    void devicesJsonParsesAndSplitsInputsFromOutputs() {
        Cli run = Cli.run("devices", "--server", pulse.address(), "--json");
        assertEquals(0, run.status(), run::toString);
        assertEquals(1, run.out().lines().count(), "one document on one line");
        Map<String, Object> doc = JsonReader.object(JsonReader.parse(run.out().strip()));
        assertEquals("pulse", doc.get("backend"));
        Map<String, Object> sine = find(doc.get("inputs"), pulse.sineSourceName());
        assertEquals("input", sine.get("direction"));
        assertEquals(Boolean.TRUE, sine.get("default"));
        assertEquals(1.0, sine.get("channels"));
        Map<String, Object> sink = find(doc.get("outputs"), pulse.sinkName());
        assertEquals("output", sink.get("direction"));
        assertEquals(Boolean.TRUE, sink.get("default"));
        assertEquals(48_000.0, sink.get("sampleRate"));
        assertEquals(2.0, sink.get("channels"));
        assertTrue(doc.get("applications") instanceof List<?>, run::toString);
    }

    private static Map<String, Object> find(Object devices, String id) {
        return JsonReader.array(devices).stream().map(JsonReader::object).filter(d -> id.equals(d.get("id")))
                .findFirst().orElseThrow(() -> new AssertionError(id + " missing from " + devices));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void monitorEventsOnPulseStartsListensAndStopsCleanlyAfterItsDuration() {
        Cli run = Cli.run("monitor", "--server", pulse.address(), "--events", "--duration", "1s");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.err().startsWith("watching devices and applications (pulse) for 1 s"), run::toString);
        List<String> out = run.out().lines().toList();
        assertTrue(out.getLast().matches("stopped after 1\\.\\d s: " + (out.size() - 1) + " events"), run::toString);
        for (String line : out.subList(0, out.size() - 1)) {
            assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z  [A-Z_]+  .+"), line);
        }
    }

    @Test
    void anUnknownDeviceOnTheServerExitsWithUsageStatusNamingTheDevice() {
        Path file = dir.resolve("unknown.wav");
        Cli run = Cli.run("record", "--server", pulse.address(), "--device", "no_such_source",
                "--output", file.toString());
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertEquals(1, run.err().lines().count(), run::toString);
        assertTrue(run.err().startsWith("error: --device no_such_source: "), run::toString);
        assertTrue(run.err().contains("device not found"), run::toString);
        assertTrue(Files.notExists(file), "no file for a stream that never opened");
    }
}
