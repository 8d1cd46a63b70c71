package io.github.panamaaudio.javasound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The provider's lifetime in a Java-Sound-only program (child JVM): with no audio
 * server it lists no mixers and nothing throws; a line left running does not keep the
 * JVM from exiting.
 */
@ExtendWith(PulseServerExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JavaSoundLifetimeTest {

    private final PulseServer server;

    JavaSoundLifetimeTest(PulseServer server) {
        this.server = server;
    }

    @Test
    void withoutAnAudioServerGetMixerInfoListsNoneOfOursAndNothingThrows(@TempDir Path dir) throws Exception {
        JavaSoundChild.Result r = JavaSoundChild.run(dir,
                Map.of("PULSE_SERVER", "unix:" + dir.resolve("no-server-here")), "list");
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("panama mixers: 0"), r.output());
    }

    @Test
    void aProgramThatLeavesALineRunningStillExits(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        JavaSoundChild.Result r = JavaSoundChild.run(dir, Map.of("PULSE_SERVER", server.address()),
                "leave-open", "Default output loopback", dir.resolve("unused.wav").toString(), "0");
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("leaving the line running"), r.output());
        assertTrue(seconds < 30, "the child took " + seconds + " s to exit:\n" + r.output());
    }
}
