package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.Signals;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CLI against a real PulseAudio server that this class starts (private
 * runtime directory, null sink {@code pac_sink}, sine source {@code pac_sine}),
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
    void recordingTheDefaultSinksMonitorWhileA440HzTonePlaysGivesThreeSecondsOf440Hz() throws Exception {
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
    void devicesListsTheSineSourceAndTheSinksMonitorWithTheirFlags() {
        Cli run = Cli.run("devices", "--server", pulse.address());
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().lines().findFirst().orElse("").matches("NAME\\s+FLAGS\\s+FORMAT\\s+DESCRIPTION"),
                run::toString);
        assertTrue(run.out().lines().anyMatch(l -> l.matches("pac_sine\\s+default\\s+48000 Hz 1 ch\\s+.*")),
                run::toString);
        assertTrue(run.out().lines().anyMatch(
                l -> l.matches("pac_sink\\.monitor\\s+monitor,default-sink-monitor\\s+48000 Hz 2 ch\\s+.*")),
                run::toString);
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
