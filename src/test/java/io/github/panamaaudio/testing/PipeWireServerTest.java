package io.github.panamaaudio.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

/** The private PipeWire itself, checked with pactl and parec (not with the library). */
@ExtendWith(PipeWireServerExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipeWireServerTest {

    private static final System.Logger LOG = System.getLogger(PipeWireServerTest.class.getName());

    private final PipeWireServer server;

    PipeWireServerTest(PipeWireServer server) {
        this.server = server;
    }

    @Test
    void aNewServerAnswersWithinFiveSecondsAndPactlInfoNamesPipeWire() {
        long t0 = System.nanoTime();
        try (PipeWireServer own = PipeWireServer.start()) {
            Duration startup = Duration.ofNanos(System.nanoTime() - t0);
            LOG.log(System.Logger.Level.INFO, "PipeWire started and answered in " + startup.toMillis() + " ms");
            assertTrue(startup.compareTo(Duration.ofSeconds(5)) < 0, "started in " + startup);
            String info = own.pactl("info");
            assertTrue(info.contains("Server Name: PulseAudio (on PipeWire "), info);
            assertTrue(info.contains("Server String: " + own.address() + "\n"), info);
            assertTrue(own.isRunning());
            assertEquals(5, own.processes().size(), "4 daemons and the microphone's sox");
        }
    }

    @Test
    void theSharedServerIsOneInstanceWithItsSinkMonitorAndMicrophoneAsDefaults(PipeWireServer fromMethod) {
        assertSame(server, fromMethod);
        assertEquals(AudioServer.Kind.PIPEWIRE, server.kind());
        assertTrue(server.address().startsWith("unix:/") && server.address().endsWith("/xdg/pulse/native"));
        String info = server.pactl("info");
        assertTrue(info.contains("Default Sink: " + server.sinkName() + "\n"), info);
        assertTrue(info.contains("Default Source: " + server.sineSourceName() + "\n"), info);
        assertTrue(names(server.pactl("list", "short", "sinks")).contains(server.sinkName()));
        List<String> sources = names(server.pactl("list", "short", "sources"));
        assertTrue(sources.contains(server.monitorOfSink()), sources.toString());
        assertTrue(sources.contains(server.sineSourceName()), sources.toString());
    }

    @Test
    void theFakeMicrophoneIsASteady440HzSineInOneAndTwoChannels() {
        for (int channels = 1; channels <= 2; channels++) {
            byte[] pcm = Parec.record(server, server.sineSourceName(), channels, Duration.ofMillis(1000));
            // the first quantum of a new stream is zeros: compare the last 0.75 s
            byte[] tail = Arrays.copyOfRange(pcm, pcm.length / 4, pcm.length);
            for (int ch = 0; ch < channels; ch++) {
                double[] x = Signals.channel(tail, "S16LE", channels, ch);
                assertEquals(440.0, Signals.dominantFrequency(x, 48_000), 0.5, channels + " ch, channel " + ch);
                double peak = Arrays.stream(x).map(Math::abs).max().orElseThrow();
                assertEquals(0.5, peak, 0.01, "half of full scale: " + channels + " ch");
                assertEquals(0.5 / Math.sqrt(2), Signals.rms(x), 0.01, "a pure sine: " + channels + " ch");
            }
        }
    }

    @Test
    void theFakeMicrophoneResumesAfterTheServerStalledForASecond() throws Exception {
        // what a loaded CI machine does to it; PipeWire's audiotestsrc stayed silent for good after this
        try (PipeWireServer own = PipeWireServer.start()) {
            Process pulse = own.processes().get(3);
            // /usr/bin/pipewire-pulse is a link to pipewire: the kernel's comm has the name it ran as
            assertEquals("pipewire-pulse", Files.readString(Path.of("/proc/" + pulse.pid() + "/comm")).strip());
            Thread recorder = Thread.ofPlatform().start(
                    () -> Parec.record(own, own.sineSourceName(), 1, Duration.ofMillis(1500)));
            Thread.sleep(300);
            signal("STOP", pulse);
            Thread.sleep(1000);
            signal("CONT", pulse);
            recorder.join(15_000);
            byte[] pcm = Parec.record(own, own.sineSourceName(), 1, Duration.ofMillis(1000));
            double[] x = Signals.toMono(Arrays.copyOfRange(pcm, pcm.length / 4, pcm.length), "S16LE", 1);
            assertEquals(440.0, Signals.dominantFrequency(x, 48_000), 0.5);
            assertEquals(0.5 / Math.sqrt(2), Signals.rms(x), 0.01);
        }
    }

    private static void signal(String signal, Process process) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        assertTrue(kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal);
    }

    @Test
    void aToneOfOneKilohertzPlayedIntoTheSinkComesOutOfItsMonitor() {
        try (PulseServer.Player player = server.playTone(1000)) {
            byte[] pcm = Parec.record(server, server.monitorOfSink(), 2, Duration.ofMillis(1000));
            double[] mono = Signals.toMono(Arrays.copyOfRange(pcm, pcm.length / 4, pcm.length), "S16LE", 2);
            // 1 Hz: a player that misses its 20 ms deadline once puts a phase jump into the tone
            assertEquals(1000.0, Signals.dominantFrequency(mono, 48_000), 1.0);
            assertEquals(0.5 / Math.sqrt(2), Signals.rms(mono), 0.01);
            assertTrue(player.isAlive());
        }
    }

    @Test
    void pipewirePulseHasNoSineSourceModule() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> server.pactl("load-module", "module-sine-source", "source_name=x"));
        assertTrue(e.getMessage().contains("exited with status"), e.getMessage());
    }

    @Test
    void theDaemonsSeeOnlyTheirPrivateDirectoriesAndBus() throws IOException {
        Path dir = server.directory();
        for (Process daemon : server.processes()) {
            List<String> env = Arrays.asList(new String(
                    Files.readAllBytes(Path.of("/proc", Long.toString(daemon.pid()), "environ")),
                    StandardCharsets.UTF_8).split("\0"));
            String what = daemon.info().command().orElse("?") + " " + env;
            assertTrue(env.contains("XDG_RUNTIME_DIR=" + dir.resolve("xdg")), what);
            assertTrue(env.contains("PIPEWIRE_RUNTIME_DIR=" + dir.resolve("xdg")), what);
            assertTrue(env.contains("DBUS_SESSION_BUS_ADDRESS=unix:path=" + dir.resolve("dbus.sock")), what);
            assertTrue(env.contains("XDG_CONFIG_HOME=" + dir.resolve("config")), what);
            assertTrue(env.contains(PipeWireServer.TAG_VARIABLE + "=" + dir), what);
            for (String inherited : List.of("PULSE_SERVER=", "PIPEWIRE_REMOTE=", "DISPLAY=", "WAYLAND_DISPLAY=")) {
                assertTrue(env.stream().noneMatch(v -> v.startsWith(inherited)), what);
            }
        }
        // no real devices: WirePlumber's monitors are off, so the only nodes are ours
        List<String> sinks = names(server.pactl("list", "short", "sinks"));
        assertTrue(sinks.stream().allMatch(s -> s.startsWith("pac_")), sinks.toString());
    }

    @Test
    void closeStopsEveryProcessItStartedAndDeletesItsDirectory() throws Exception {
        PipeWireServer own = PipeWireServer.start();
        Path dir = own.directory();
        PulseServer.Player player = own.playTone(700);
        List<Process> daemons = own.processes();
        assertEquals(5, daemons.size());
        assertTrue(PipeWireServer.taggedProcesses(dir).size() >= 7,
                "4 daemons, the microphone's sox, and the player's sox and pacat carry the tag");

        own.close();
        own.close();
        for (Process p : daemons) {
            assertFalse(p.isAlive(), p.info().command().orElse("?"));
        }
        assertFalse(player.isAlive());
        assertEquals(List.of(), PipeWireServer.taggedProcesses(dir));
        assertEquals("", psLinesMentioning(dir), "ps shows no process of the closed server");
        assertFalse(Files.exists(dir), "the temporary directory is deleted");
        assertFalse(own.isRunning());
        assertThrows(IllegalStateException.class, own::restart);
    }

    @Test
    void aPrivateServerCanBeKilledRestartedAndGivenAnotherSink() throws Exception {
        try (PipeWireServer own = PipeWireServer.start()) {
            PulseServer.Player player = own.playTone(500);
            own.kill();
            assertFalse(own.isRunning());
            assertEquals(List.of(), PipeWireServer.taggedProcesses(own.directory()).stream()
                    .filter(p -> p.pid() != player.process().pid()).filter(ProcessHandle::isAlive).toList());
            assertThrows(IllegalStateException.class, () -> own.pactl("info"));
            assertTrue(player.process().waitFor(10, TimeUnit.SECONDS), "pacat ends when its server is gone");

            long t0 = System.nanoTime();
            own.restart();
            LOG.log(System.Logger.Level.INFO, "PipeWire restarted in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
            assertTrue(own.isRunning());
            assertTrue(own.pactl("info").contains("Default Source: " + own.sineSourceName() + "\n"));

            int module = own.loadNullSink("pac_extra");
            assertTrue(names(own.pactl("list", "short", "sinks")).contains("pac_extra"));
            assertTrue(names(own.pactl("list", "short", "sources")).contains("pac_extra.monitor"));
            own.unloadModule(module);
            assertFalse(names(own.pactl("list", "short", "sinks")).contains("pac_extra"));
        }
        assertTrue(server.isRunning(), "the shared server is untouched");
    }

    @Test
    void aServerInAFixedDirectoryStopsStaleProcessesLeftThere() throws IOException {
        Path dir = Files.createTempDirectory("pac-pw-fixed-");
        try (PipeWireServer first = PipeWireServer.start(dir)) {
            List<Process> stale = first.processes();
            // a second server in the same directory stands for the next run after a crash
            try (PipeWireServer second = PipeWireServer.start(dir)) {
                for (Process p : stale) {
                    assertFalse(p.isAlive(), p.info().command().orElse("?"));
                }
                assertTrue(second.pactl("info").contains("on PipeWire"));
            }
            assertFalse(first.isRunning());
        } finally {
            try (var paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        assertEquals(List.of(), PipeWireServer.taggedProcesses(dir));
    }

    @Test
    void aMissingBinaryFailsWithAHintToRunScriptsTest() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> PulseServer.requireCommand("pac-no-such-binary", PipeWireServer.INSTALL_HINT));
        assertTrue(e.getMessage().contains("scripts/test"), e.getMessage());
        assertTrue(e.getMessage().contains("pipewire-pulse"), e.getMessage());
    }

    private static List<String> names(String pactlShortList) {
        return pactlShortList.lines().map(line -> line.split("\t")[1]).toList();
    }

    /** The lines of {@code ps -eo pid,args} that mention {@code dir}, e.g. the dbus-daemon's socket. */
    static String psLinesMentioning(Path dir) throws IOException, InterruptedException {
        Process ps = new ProcessBuilder("ps", "-eo", "pid,args").start();
        String out = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ps.waitFor(5, TimeUnit.SECONDS);
        return String.join("\n", out.lines().filter(l -> l.contains(dir.toString())).toList());
    }
}
