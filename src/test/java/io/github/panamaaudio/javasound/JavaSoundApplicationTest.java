package io.github.panamaaudio.javasound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.AudioServer;
import io.github.panamaaudio.testing.AudioServers;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * The Java-Sound-only program records one application: a player that calls itself
 * "A" ({@code pacat --client-name=A --property=application.name=A}) plays a 1 kHz tone
 * into the null sink, and the program records the mixer "Application: A" to a WAVE
 * file that is that tone.
 *
 * On PulseAudio and on PipeWire.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JavaSoundApplicationTest {

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void aJavaSoundOnlyProgramRecordsTheApplicationMixerByName(AudioServer server, @TempDir Path dir)
            throws Exception {
        recordApplication(server.address(), server.sinkName(), "A", dir);
    }

    /** The check for any server that speaks the PulseAudio protocol. */
    static void recordApplication(String address, String sink, String name, Path dir) throws Exception {
        Path wav = dir.resolve("application.wav");
        List<Process> player = playAs(address, sink, name, dir);
        JavaSoundChild.Result result;
        try {
            Thread.sleep(500); // its stream exists before the mixers are listed
            result = JavaSoundChild.run(dir, Map.of("PULSE_SERVER", address),
                    "mixer", "Application: " + name, wav.toString(), "3");
        } finally {
            for (Process p : player) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
        assertEquals(0, result.exitCode(), "exit status 2 is 'no such mixer'; the child printed:\n" + result.output());
        assertTrue(result.output().contains("recording from: Application: " + name), result.output());
        JavaSoundLoopbackTest.assertRecordingIsTheTone(JavaSoundChild.readWave(wav), result.output());
    }

    private static List<Process> playAs(String address, String sink, String name, Path dir) throws Exception {
        File log = dir.resolve("player.log").toFile();
        ProcessBuilder sox = new ProcessBuilder("sox", "-q", "-n", "-t", "raw", "-r", "48000", "-e", "signed",
                "-b", "16", "-c", "2", "-", "synth", "sine", "1000", "vol", "0.5")
                .redirectError(Redirect.appendTo(log));
        ProcessBuilder pacat = new ProcessBuilder("pacat", "--server=" + address, "--raw", "--latency-msec=20",
                "--device=" + sink, "--format=s16le", "--rate=48000", "--channels=2",
                "--client-name=" + name, "--property=application.name=" + name)
                .redirectOutput(Redirect.DISCARD).redirectError(Redirect.appendTo(log));
        return ProcessBuilder.startPipeline(List.of(sox, pacat));
    }
}
