package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.Signals;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The CLI's view of the library's device events and application capture, against a
 * private PulseAudio this class starts: {@code monitor --events} prints each change
 * within 500 ms, {@code devices} lists players as applications, {@code record --app}
 * records one application only.
 *
 * <p><b>Needs the shim's context API (issue 9: events, applications).</b> Until that
 * lands the library's bridge reports no events and no applications, and these tests
 * fail; cli/pom.xml therefore excludes this class from failsafe
 * ({@code <exclude>**}{@code /CliEventsAndAppsIT.java</exclude>}). Run it on its own with
 * {@code mvn -f cli/pom.xml verify -Dit.test=CliEventsAndAppsIT}; delete the exclude
 * when the shim is merged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CliEventsAndAppsIT {

    /** Issue 9: every event within 500 ms of the server's change. */
    static final long EVENT_DEADLINE_MILLIS = 500;

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

    // ------------------------------------------------------------------ events

    @Test
    void monitorEventsPrintsDeviceAddedDefaultChangedAndRemovedOnceEachWithin500ms() throws Exception {
        try (LiveCli monitor = LiveCli.start("monitor", "--server", pulse.address(), "--events",
                "--duration", "8s")) {
            monitor.awaitErr(l -> l.startsWith("watching devices and applications (pulse)"), Duration.ofSeconds(10));

            Instant before = Instant.now();
            int module = pulse.loadNullSink("pac_evt");
            long loaded = System.nanoTime(); // pactl returned: the sink exists (pactl's own start-up not counted)
            LiveCli.Line added = monitor.awaitOut(l -> l.contains("  DEVICE_ADDED  output pac_evt"),
                    Duration.ofSeconds(3));
            assertWithin(loaded, added, "DEVICE_ADDED");
            Instant printed = Instant.parse(added.text().substring(0, added.text().indexOf(' ')));
            assertTrue(!printed.isBefore(before.minusMillis(5)) && !printed.isAfter(Instant.now()),
                    "the line's time " + printed + " is when the change happened, after " + before);

            pulse.pactl("set-default-sink", "pac_evt");
            long switched = System.nanoTime();
            assertWithin(switched, monitor.awaitOut(
                    l -> l.contains("  DEFAULT_OUTPUT_CHANGED  output pac_evt (default)"), Duration.ofSeconds(3)),
                    "DEFAULT_OUTPUT_CHANGED");

            pulse.pactl("set-default-sink", pulse.sinkName());
            long back = System.nanoTime();
            assertWithin(back, monitor.awaitOut(
                    l -> l.contains("  DEFAULT_OUTPUT_CHANGED  output " + pulse.sinkName() + " (default)"),
                    Duration.ofSeconds(3)), "DEFAULT_OUTPUT_CHANGED back");

            pulse.unloadModule(module);
            long unloaded = System.nanoTime();
            assertWithin(unloaded, monitor.awaitOut(l -> l.contains("  DEVICE_REMOVED  output pac_evt"),
                    Duration.ofSeconds(3)), "DEVICE_REMOVED");

            Cli run = monitor.await(Duration.ofSeconds(20));
            assertEquals(0, run.status(), run::toString);
            assertEquals(1, count(run.out(), "  DEVICE_ADDED  output pac_evt"), run::toString);
            assertEquals(1, count(run.out(), "  DEVICE_REMOVED  output pac_evt"), run::toString);
            assertEquals(1, count(run.out(), "  DEFAULT_OUTPUT_CHANGED  output pac_evt"), run::toString);
            // the sink's monitor source is no device of its own: no input event for it
            assertEquals(0, count(run.out(), "pac_evt.monitor"), run::toString);
            long eventLines = run.out().lines().filter(l -> l.matches("\\S+Z  [A-Z_]+  .*")).count();
            assertTrue(run.out().lines().toList().getLast().endsWith(": " + eventLines + " events"), run::toString);
        }
    }

    @Test
    void monitorEventsJsonPrintsOneParsableObjectPerEvent() throws Exception {
        try (LiveCli monitor = LiveCli.start("monitor", "--server", pulse.address(), "--events", "--json",
                "--duration", "3s")) {
            monitor.awaitErr(l -> l.startsWith("watching devices"), Duration.ofSeconds(10));
            int module = pulse.loadNullSink("pac_evt_json");
            LiveCli.Line added = monitor.awaitOut(l -> l.contains("pac_evt_json"), Duration.ofSeconds(3));
            pulse.unloadModule(module);
            Map<String, Object> event = JsonReader.object(JsonReader.parse(added.text()));
            assertEquals("DEVICE_ADDED", event.get("type"));
            Map<String, Object> device = JsonReader.object(event.get("device"));
            assertEquals("pac_evt_json", device.get("id"));
            assertEquals("output", device.get("direction"));
            assertEquals(2.0, device.get("channels"));
            assertEquals(0, monitor.await(Duration.ofSeconds(20)).status());
        }
    }

    @Test
    void monitorEventsPrintsApplicationStartedAndEndedForAPlayerWithItsPidAndName() throws Exception {
        try (LiveCli monitor = LiveCli.start("monitor", "--server", pulse.address(), "--events",
                "--duration", "6s")) {
            monitor.awaitErr(l -> l.startsWith("watching devices"), Duration.ofSeconds(10));
            NamedPlayer a = NamedPlayer.start(pulse, "CliAppA", 1000, dir);
            long started = System.nanoTime();
            LiveCli.Line line = monitor.awaitOut(l -> l.contains("  APPLICATION_STARTED  application pid "
                    + a.pid() + " \"CliAppA\""), Duration.ofSeconds(3));
            // pacat connects after its own start-up: allow it that, then the 500 ms
            assertTrue(TimeUnit.NANOSECONDS.toMillis(line.nanos() - started) < 1500 + EVENT_DEADLINE_MILLIS,
                    line::toString);
            a.close();
            long ended = System.nanoTime();
            assertWithin(ended, monitor.awaitOut(l -> l.contains("  APPLICATION_ENDED  application pid "
                    + a.pid() + " \"CliAppA\""), Duration.ofSeconds(3)), "APPLICATION_ENDED");
            assertEquals(0, monitor.await(Duration.ofSeconds(20)).status());
        }
    }

    // ------------------------------------------------------------ applications

    @Test
    void devicesListsAPlayerAsAnApplicationWithPidNameBinaryAndTheOutputItPlaysTo() throws Exception {
        try (NamedPlayer a = NamedPlayer.start(pulse, "CliAppA", 1000, dir)) {
            Thread.sleep(1000); // pacat's stream is up
            Cli run = Cli.run("devices", "--server", pulse.address());
            assertEquals(0, run.status(), run::toString);
            List<String> lines = run.out().lines().toList();
            int apps = lines.indexOf("Applications playing:");
            assertTrue(lines.get(apps + 1).matches("  PID\\s+NAME\\s+BINARY\\s+STREAMS \\(title -> output\\)"),
                    run::toString);
            assertTrue(lines.subList(apps + 2, lines.size()).stream().anyMatch(l -> l.matches(
                    "  " + a.pid() + "\\s+CliAppA\\s+pacat\\s+.+ -> " + pulse.sinkName())), run::toString);

            Cli json = Cli.run("devices", "--server", pulse.address(), "--json");
            assertEquals(0, json.status(), json::toString);
            Map<String, Object> app = JsonReader.array(JsonReader.object(JsonReader.parse(json.out().strip()))
                            .get("applications")).stream().map(JsonReader::object)
                    .filter(x -> "CliAppA".equals(x.get("name"))).findFirst()
                    .orElseThrow(() -> new AssertionError("CliAppA missing: " + json.out()));
            assertEquals((double) a.pid(), app.get("pid"));
            assertEquals("pacat", app.get("binary"));
            assertEquals(pulse.sinkName(),
                    JsonReader.object(JsonReader.array(app.get("streams")).getFirst()).get("output"));
        }
    }

    @Test
    void recordAppByNameRecordsOnlyThatApplication() throws Exception {
        try (NamedPlayer a = NamedPlayer.start(pulse, "CliAppA", 1000, dir);
             NamedPlayer b = NamedPlayer.start(pulse, "CliAppB", 3000, dir)) {
            Thread.sleep(1000);
            Path file = dir.resolve("app-a.wav");
            Cli run = Cli.run("record", "--server", pulse.address(), "--app", "CliAppA", "--duration", "3s",
                    "--output", file.toString());
            assertEquals(0, run.status(), run::toString);
            assertSeparated(Wav.read(file).mono(), 1000, 3000);
        }
    }

    @Test
    void recordAppByPidRecordsOnlyThatProcess() throws Exception {
        try (NamedPlayer a = NamedPlayer.start(pulse, "CliAppA", 1000, dir);
             NamedPlayer b = NamedPlayer.start(pulse, "CliAppB", 3000, dir)) {
            Thread.sleep(1000);
            Path file = dir.resolve("app-b.wav");
            Cli run = Cli.run("record", "--server", pulse.address(), "--app", Long.toString(b.pid()),
                    "--duration", "3s", "--output", file.toString());
            assertEquals(0, run.status(), run::toString);
            assertSeparated(Wav.read(file).mono(), 3000, 1000);
        }
    }

    @Test
    void recordAppOfAProcessIdThatDoesNotExistIsAUsageErrorNamingApp() {
        long pid = 4_000_000_000L; // above any Linux pid_max
        Path file = dir.resolve("nobody.wav");
        Cli run = Cli.run("record", "--server", pulse.address(), "--app", Long.toString(pid), "--output",
                file.toString());
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertTrue(run.err().startsWith("error: --app " + pid + ": "), run::toString);
        assertTrue(run.err().contains(Long.toString(pid)), run::toString);
    }

    // ----------------------------------------------------------------- helpers

    private static void assertWithin(long changedNanos, LiveCli.Line line, String what) {
        long millis = TimeUnit.NANOSECONDS.toMillis(line.nanos() - changedNanos);
        assertTrue(millis <= EVENT_DEADLINE_MILLIS, what + " printed " + millis + " ms after the change (allowed "
                + EVENT_DEADLINE_MILLIS + " ms): " + line.text());
    }

    private static long count(String text, String part) {
        return text.lines().filter(l -> l.contains(part)).count();
    }

    /** The wanted tone at the level it was played, the other at least 60 dB below it. */
    private static void assertSeparated(double[] mono, double wanted, double other) {
        // skip the first second: a new stream may start with a burst or a quantum of zeros
        double[] tail = java.util.Arrays.copyOfRange(mono, 48_000, mono.length);
        double wantedDb = levelDb(tail, wanted);
        double otherDb = levelDb(tail, other);
        assertEquals(wanted, Signals.dominantFrequency(tail, 48_000), 5.0);
        assertTrue(wantedDb > -20, String.format(Locale.ROOT, "%.0f Hz at %.1f dBFS", wanted, wantedDb));
        assertTrue(wantedDb - otherDb >= 60, String.format(Locale.ROOT,
                "%.0f Hz at %.1f dBFS, %.0f Hz at %.1f dBFS: only %.1f dB apart", wanted, wantedDb, other, otherDb,
                wantedDb - otherDb));
    }

    /** The amplitude of one frequency in dBFS (Goertzel over a Hann window). */
    static double levelDb(double[] x, double hz) {
        double w = 2 * Math.PI * hz / 48_000;
        double coeff = 2 * Math.cos(w);
        double s1 = 0;
        double s2 = 0;
        double windowSum = 0;
        for (int i = 0; i < x.length; i++) {
            double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (x.length - 1));
            windowSum += hann;
            double s = x[i] * hann + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
        double amplitude = 2 * Math.sqrt(Math.max(power, 0)) / windowSum;
        return 20 * Math.log10(Math.max(amplitude, 1e-12));
    }

    /** {@code sox synth | pacat --client-name=NAME --property=application.name=NAME} into the default sink. */
    private record NamedPlayer(Process sox, Process pacat) implements AutoCloseable {

        static NamedPlayer start(PulseServer pulse, String name, double hz, Path dir) {
            ProcessBuilder sox = new ProcessBuilder("sox", "-q", "-n", "-t", "raw", "-r", "48000", "-e", "signed",
                    "-b", "16", "-c", "2", "-", "synth", "sine", String.format(Locale.ROOT, "%.3f", hz), "vol", "0.5")
                    .redirectError(Redirect.appendTo(dir.resolve("player.log").toFile()));
            ProcessBuilder pacat = new ProcessBuilder("pacat", "--server=" + pulse.address(), "--raw",
                    "--latency-msec=20", "--device=" + pulse.sinkName(), "--format=s16le", "--rate=48000",
                    "--channels=2", "--client-name=" + name, "--property=application.name=" + name)
                    .redirectOutput(Redirect.DISCARD)
                    .redirectError(Redirect.appendTo(dir.resolve("player.log").toFile()));
            try {
                List<Process> pipeline = ProcessBuilder.startPipeline(List.of(sox, pacat));
                return new NamedPlayer(pipeline.get(0), pipeline.get(1));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start sox | pacat", e);
            }
        }

        long pid() {
            return pacat.pid();
        }

        @Override
        public void close() throws InterruptedException {
            pacat.destroyForcibly();
            sox.destroyForcibly();
            pacat.waitFor(5, TimeUnit.SECONDS);
            sox.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /**
     * The CLI run in-process on its own thread, its output lines timestamped as they
     * are printed, so that a test can wait for one while the command still runs.
     */
    private static final class LiveCli implements AutoCloseable {

        record Line(long nanos, String text) {
        }

        private final Lines out = new Lines();
        private final Lines err = new Lines();
        private final CompletableFuture<Integer> status;

        private LiveCli(String... args) {
            status = CompletableFuture.supplyAsync(() -> Main.commandLine()
                    .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args));
        }

        static LiveCli start(String... args) {
            return new LiveCli(args);
        }

        Line awaitOut(Predicate<String> match, Duration timeout) throws InterruptedException {
            return out.await(match, timeout, this);
        }

        Line awaitErr(Predicate<String> match, Duration timeout) throws InterruptedException {
            return err.await(match, timeout, this);
        }

        Cli await(Duration timeout) throws Exception {
            int s = status.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Cli(s, out.text(), err.text());
        }

        @Override
        public void close() throws Exception {
            status.get(30, TimeUnit.SECONDS); // --duration ends every run these tests start
        }

        @Override
        public String toString() {
            return "--- stdout\n" + out.text() + "--- stderr\n" + err.text();
        }

        /** A writer that keeps complete lines with the time each was completed. */
        private static final class Lines extends Writer {
            private final List<Line> lines = new ArrayList<>();
            private final StringBuilder partial = new StringBuilder();

            @Override
            public synchronized void write(char[] buf, int off, int len) {
                for (int i = off; i < off + len; i++) {
                    char c = buf[i];
                    if (c == '\n') {
                        lines.add(new Line(System.nanoTime(), partial.toString()));
                        partial.setLength(0);
                        notifyAll();
                    } else if (c != '\r') {
                        partial.append(c);
                    }
                }
            }

            synchronized Line await(Predicate<String> match, Duration timeout, LiveCli cli)
                    throws InterruptedException {
                long deadline = System.nanoTime() + timeout.toNanos();
                for (int seen = 0; ; ) {
                    for (; seen < lines.size(); seen++) {
                        if (match.test(lines.get(seen).text())) {
                            return lines.get(seen);
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || cli.status.isDone()) {
                        return fail("no such line within " + timeout + "; the CLI so far:\n" + cli);
                    }
                    wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
                }
            }

            synchronized String text() {
                StringBuilder s = new StringBuilder();
                for (Line l : lines) {
                    s.append(l.text()).append('\n');
                }
                return s.append(partial).toString();
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        }
    }
}
