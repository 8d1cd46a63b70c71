package io.github.panamaaudio.javasound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.testing.AudioServer;
import io.github.panamaaudio.testing.AudioServers;
import io.github.panamaaudio.testing.Signals;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.sound.sampled.AudioFormat;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * A program written against {@code javax.sound.sampled} only ({@link JavaSoundRecorderMain},
 * in a child JVM) finds the loopback mixer of the private server's null sink by name and
 * records 3 s of it to a WAVE file with {@code AudioSystem.write}, while a 1 kHz tone
 * plays into the sink; the file is that tone — its frequency and its level.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JavaSoundLoopbackTest {

    static final double TONE_HZ = 1000;
    /** The players' half-scale sine. */
    static final double TONE_RMS = 0.5 / Math.sqrt(2);

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void aJavaSoundOnlyProgramRecordsTheSinksLoopbackWithAudioSystemWrite(AudioServer server, @TempDir Path dir)
            throws Exception {
        recordLoopback(server.address(), server.sinkName(), sink -> server.playTone(sink, TONE_HZ), "mixer", dir);
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void theJdksGetTargetDataLineWithTheMixerInfoRecordsTheSame(AudioServer server, @TempDir Path dir)
            throws Exception {
        recordLoopback(server.address(), server.sinkName(), sink -> server.playTone(sink, TONE_HZ), "audiosystem", dir);
    }

    /** Starts a player into a sink; closing it stops the player. */
    @FunctionalInterface
    interface Player {
        AutoCloseable play(String sink) throws Exception;
    }

    /**
     * The whole check, for any server that speaks the PulseAudio protocol (PulseAudio,
     * PipeWire through pipewire-pulse): the mixer named after the sink's description and
     * id, 3 s recorded by the child while the tone plays, the file analysed.
     */
    static void recordLoopback(String address, String sink, Player player, String how, Path dir) throws Exception {
        String mixerName = "Loopback: " + description(address, sink) + " [" + sink + "]";
        Path wav = dir.resolve("loopback.wav");
        JavaSoundChild.Result result;
        try (AutoCloseable tone = player.play(sink)) {
            Thread.sleep(500); // the player is connected and playing before the line opens
            result = JavaSoundChild.run(dir, Map.of("PULSE_SERVER", address), how, mixerName, wav.toString(), "3");
        }
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("recording from: " + mixerName), result.output());
        assertTrue(result.output().contains("event: Open\nevent: Start\nevent: Stop\nevent: Close"), result.output());
        assertRecordingIsTheTone(JavaSoundChild.readWave(wav), result.output());
    }

    static void assertRecordingIsTheTone(JavaSoundChild.Recording rec, String output) {
        AudioFormat f = rec.format();
        String context = f + ", " + rec.seconds() + " s\n" + output;
        assertEquals(AudioFormat.Encoding.PCM_SIGNED, f.getEncoding(), context);
        assertEquals(48_000f, f.getSampleRate(), context);
        assertEquals(16, f.getSampleSizeInBits(), context);
        assertEquals(2, f.getChannels(), context);
        assertFalse(f.isBigEndian(), context);
        // 3 s of wall clock; a server that delivers in blocks may hand over a little more or less
        assertTrue(rec.seconds() >= 1.5 && rec.seconds() <= 4.0, "recorded seconds: " + context);
        double[] settled = rec.after(1.0); // past a server's first block / a new stream's first quantum
        double hz = Signals.dominantFrequency(settled, 48_000);
        double rms = Signals.rms(settled);
        assertEquals(TONE_HZ, hz, 2.0, "dominant frequency; " + context);
        assertEquals(TONE_RMS, rms, 0.05, "level (RMS); " + context);
    }

    private static String description(String address, String sink) throws Exception {
        try (AudioCapture c = AudioCapture.builder().backend("pulse").option("server", address).open()) {
            for (AudioDevice d : c.devices()) {
                if (d.direction() == AudioDevice.Direction.OUTPUT && d.id().equals(sink)) {
                    return d.description();
                }
            }
        }
        throw new AssertionError("the server lists no output " + sink);
    }
}
