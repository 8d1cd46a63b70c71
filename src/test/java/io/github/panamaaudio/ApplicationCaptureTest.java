package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.AudioServer;
import io.github.panamaaudio.testing.AudioServers;
import io.github.panamaaudio.testing.Signals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Capturing one application ({@link StreamConfig.Source#application(String)} and
 * {@link StreamConfig.Source#application(long)}) on both private servers, through
 * the public API: two players with their own application names play 1 kHz and
 * 3 kHz into the same sink; the capture of the first has its tone at its level
 * and the other's at least 60 dB below; a second stream it opens later is mixed
 * in; while it is away, SILENT packets keep coming at real-time pace with no gap
 * in positions; and the other application's audio is left alone.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ApplicationCaptureTest {

    private static final AtomicInteger NAMES = new AtomicInteger();
    /** The players' level: a sine of peak 0.5. */
    private static final double PLAYER_RMS = 0.5 / Math.sqrt(2);
    private static final double MIN_SEPARATION_DB = 60;

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void byNameOnlyTheApplicationIsCapturedAndTheOtherIsUntouched(AudioServer server) throws Exception {
        String a = uniqueName("A"), b = uniqueName("B");
        try (Player playerA = Player.start(server, a, 1000); Player playerB = Player.start(server, b, 3000);
             AudioCapture capture = open(server)) {
            awaitStreams(capture, a, b);
            Map<Integer, String> before = sinkInputState(server);
            long bIndex = streamOf(capture, b).index();
            try (AudioStream stream = capture.openStream(config(StreamConfig.Source.application(a)))) {
                CompletableFuture<byte[]> reference = CompletableFuture.supplyAsync(
                        () -> parecMonitorStream(server, bIndex, Duration.ofMillis(1500)));
                double[] mono = captureAfterSound(stream, Duration.ofMillis(1000));
                Tones t = Tones.of(mono, server.sampleRate(), 1000, 3000);
                System.out.printf(Locale.ROOT, "%s: application '%s' by name: 1 kHz rms %.4f, 3 kHz %.1f dB below%n",
                        server.kind(), a, t.rms(0), t.separationDb(0, 1));
                assertEquals(PLAYER_RMS, t.rms(0), 0.03, "A's 1 kHz at its level on " + server.kind());
                assertTrue(t.separationDb(0, 1) >= MIN_SEPARATION_DB,
                        "B's 3 kHz " + t.separationDb(0, 1) + " dB below A's 1 kHz on " + server.kind());
                // PulseAudio's own per-application capture of B, while A is captured
                double[] b16 = Signals.toMono(reference.get(20, TimeUnit.SECONDS), "S16LE", 2);
                double[] bTail = tail(b16, server.sampleRate());
                Tones r = Tones.of(bTail, server.sampleRate(), 3000, 1000);
                System.out.printf(Locale.ROOT, "%s: parec --monitor-stream=%d of '%s': 3 kHz rms %.4f, 1 kHz %.1f dB"
                        + " below%n", server.kind(), bIndex, b, r.rms(0), r.separationDb(0, 1));
                assertEquals(PLAYER_RMS, r.rms(0), 0.03, "B's 3 kHz at full level beside the capture of A");
            }
            assertEquals(before, sinkInputState(server), "sinks, mute and volume of every playback stream");
            assertTrue(playerA.isAlive() && playerB.isAlive(), "both players played throughout");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void byProcessIdOnlyThatProcessIsCaptured(AudioServer server) throws Exception {
        String a = uniqueName("A"), b = uniqueName("B");
        try (Player playerA = Player.start(server, a, 1000); Player playerB = Player.start(server, b, 3000);
             AudioCapture capture = open(server)) {
            awaitStreams(capture, a, b);
            try (AudioStream stream = capture.openStream(config(StreamConfig.Source.application(playerA.pid())))) {
                Tones t = Tones.of(captureAfterSound(stream, Duration.ofMillis(1000)), server.sampleRate(), 1000, 3000);
                System.out.printf(Locale.ROOT, "%s: application process %d: 1 kHz rms %.4f, 3 kHz %.1f dB below%n",
                        server.kind(), playerA.pid(), t.rms(0), t.separationDb(0, 1));
                assertEquals(PLAYER_RMS, t.rms(0), 0.03, "A's 1 kHz at its level");
                assertTrue(t.separationDb(0, 1) >= MIN_SEPARATION_DB, "3 kHz " + t.separationDb(0, 1) + " dB below");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void aSecondStreamOpenedLaterIsMixedIn(AudioServer server) throws Exception {
        String a = uniqueName("A"), b = uniqueName("B");
        try (Player first = Player.start(server, a, 1000); Player other = Player.start(server, b, 3000);
             AudioCapture capture = open(server)) {
            awaitStreams(capture, a, b);
            try (AudioStream stream = capture.openStream(config(StreamConfig.Source.application(a)))) {
                captureAfterSound(stream, Duration.ofMillis(300));
                try (Player second = Player.start(server, a, 2000)) {
                    // wait for the second stream's tone in the capture, then analyse a second of both
                    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                    double[] window;
                    do {
                        window = capture(stream, Duration.ofMillis(200));
                    } while (Tones.of(window, server.sampleRate(), 2000).rms(0) < PLAYER_RMS / 2
                            && System.nanoTime() < deadline);
                    Tones t = Tones.of(capture(stream, Duration.ofMillis(1000)), server.sampleRate(), 1000, 2000,
                            3000);
                    System.out.printf(Locale.ROOT, "%s: two streams of '%s' mixed: 1 kHz rms %.4f, 2 kHz rms %.4f,"
                            + " 3 kHz %.1f dB below%n", server.kind(), a, t.rms(0), t.rms(1), t.separationDb(0, 2));
                    assertEquals(PLAYER_RMS, t.rms(0), 0.03, "the first stream's 1 kHz");
                    assertEquals(PLAYER_RMS, t.rms(1), 0.03, "the second stream's 2 kHz, mixed in");
                    assertTrue(t.separationDb(0, 2) >= MIN_SEPARATION_DB, "3 kHz " + t.separationDb(0, 2) + " dB");
                    assertTrue(second.isAlive() && first.isAlive(), "both played");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void whileTheApplicationIsAwaySilentPacketsKeepTheTimeline(AudioServer server) throws Exception {
        String a = uniqueName("A");
        try (AudioCapture capture = open(server);
             AudioStream stream = capture.openStream(config(StreamConfig.Source.application(a)))) {
            Timeline timeline = new Timeline();
            // not playing yet: SILENT packets on the clock
            long t0 = System.nanoTime();
            timeline.read(stream, Duration.ofMillis(800));
            double elapsed = (System.nanoTime() - t0) / 1e9;
            assertTrue(timeline.silent == timeline.packets, timeline.silent + " of " + timeline.packets + " silent");
            // (a SILENT packet is delivered ~0.12 s after its time: the allowance for audio to arrive)
            assertEquals(elapsed, timeline.frames / (double) server.sampleRate(), 0.2,
                    "audio time of the SILENT packets against the wall clock, before the application plays");
            try (Player player = Player.start(server, a, 1000)) {
                timeline.untilSound(stream, Duration.ofSeconds(5));
                Tones t = Tones.of(timeline.capture(stream, Duration.ofMillis(800)), server.sampleRate(), 1000);
                assertEquals(PLAYER_RMS, t.rms(0), 0.03, "its tone once it plays");
            }
            // it stopped: SILENT packets again, at real-time pace, no gap in positions
            timeline.untilSilent(stream, Duration.ofSeconds(2));
            long gapFrames = timeline.frames;
            long g0 = System.nanoTime();
            timeline.read(stream, Duration.ofMillis(1500));
            double gapElapsed = (System.nanoTime() - g0) / 1e9;
            double gapAudio = (timeline.frames - gapFrames) / (double) server.sampleRate();
            System.out.printf(Locale.ROOT, "%s: away: %.3f s of SILENT packets in %.3f s of wall clock%n",
                    server.kind(), gapAudio, gapElapsed);
            assertEquals(gapElapsed, gapAudio, 0.15, "SILENT packets at real-time pace while the application is away");
            assertTrue(timeline.nonSilentSinceMark() == 0, "nothing but silence while it is away");
            try (Player again = Player.start(server, a, 1000)) {
                timeline.untilSound(stream, Duration.ofSeconds(5));
                Tones t = Tones.of(timeline.capture(stream, Duration.ofMillis(800)), server.sampleRate(), 1000);
                assertEquals(PLAYER_RMS, t.rms(0), 0.03, "its tone again after it came back");
            }
            assertEquals(0, timeline.positionErrors, "positions follow each other without a gap");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void aProcessIdThatDoesNotExistIsDeviceNotFoundNamingIt(AudioServer server) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor(5, TimeUnit.SECONDS);
        long pid = gone.pid();
        assertFalse(Files.exists(Path.of("/proc/" + pid)), "process " + pid + " is gone");
        try (AudioCapture capture = open(server)) {
            AudioException e = assertThrows(AudioException.class,
                    () -> capture.openStream(config(StreamConfig.Source.application(pid))).close());
            assertEquals(AudioException.Kind.DEVICE_NOT_FOUND, e.kind(), e.toString());
            assertTrue(e.getMessage().contains(Long.toString(pid)), "names the pid: " + e.getMessage());
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void applicationsListsBothPlayers(AudioServer server) throws Exception {
        String a = uniqueName("A"), b = uniqueName("B");
        try (Player playerA = Player.start(server, a, 1000); Player playerB = Player.start(server, b, 3000);
             AudioCapture capture = open(server)) {
            awaitStreams(capture, a, b);
            for (Player p : List.of(playerA, playerB)) {
                AudioApplication app = application(capture, p.name).orElseThrow();
                assertEquals(Optional.of(p.pid()), app.processId().isPresent()
                        ? Optional.of(app.processId().getAsLong()) : Optional.empty(), "pid of " + app);
                assertEquals("pacat", app.binary(), "binary of " + app);
                assertEquals(1, app.streams().size(), "streams of " + app);
                AudioApplication.PlaybackStream s = app.streams().get(0);
                assertFalse(s.title().isEmpty(), "a stream title: " + app);
                assertEquals(server.sinkName(), s.outputDeviceId(), "the sink it plays to: " + app);
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String uniqueName(String what) {
        return "pac-app-" + what + "-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    }

    private static AudioCapture open(AudioServer server) throws AudioException {
        return AudioCapture.builder().backend("pulse").option("server", server.address()).open();
    }

    private static StreamConfig config(StreamConfig.Source source) {
        return StreamConfig.builder().source(source).format(SampleFormat.F32LE).sampleRate(48_000).channels(2)
                .build();
    }

    private static Optional<AudioApplication> application(AudioCapture capture, String name) throws AudioException {
        return capture.applications().stream().filter(app -> app.name().equals(name)).findFirst();
    }

    private static AudioApplication.PlaybackStream streamOf(AudioCapture capture, String name) throws AudioException {
        return application(capture, name).orElseThrow().streams().get(0);
    }

    /** Waits until the server lists a playback stream of each application. */
    private static void awaitStreams(AudioCapture capture, String... names) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (String name : names) {
            while (application(capture, name).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "no playback stream of '" + name + "' listed: "
                        + capture.applications());
                Thread.sleep(20);
            }
        }
    }

    /** Skips SILENT packets (at most 5 s), then returns the first half of `duration` dropped, the rest. */
    private static double[] captureAfterSound(AudioStream stream, Duration duration) throws AudioException {
        Timeline timeline = new Timeline();
        timeline.untilSound(stream, Duration.ofSeconds(5));
        timeline.capture(stream, Duration.ofMillis(300)); // PipeWire: a first quantum of zeros, ramp-ups
        double[] mono = timeline.capture(stream, duration);
        assertEquals(0, timeline.positionErrors, "positions follow each other");
        return mono;
    }

    private static double[] capture(AudioStream stream, Duration duration) throws AudioException {
        return new Timeline().capture(stream, duration);
    }

    /** The last second of a mono 48 kHz recording. */
    private static double[] tail(double[] mono, int rate) {
        return java.util.Arrays.copyOfRange(mono, Math.max(0, mono.length - rate), mono.length);
    }

    /** A stream's packets as they come: positions checked, SILENT counted. */
    private static final class Timeline {
        long expected = -1;
        long frames;
        int packets, silent, positionErrors;
        int nonSilentMark;
        private int nonSilent;

        private AudioPacket next(AudioStream stream) throws AudioException {
            AudioPacket packet = stream.next(Duration.ofSeconds(3))
                    .orElseThrow(() -> new AssertionError("no packet for 3 s after " + packets));
            if (expected >= 0 && packet.position() != expected) {
                positionErrors++;
            }
            expected = packet.position() + packet.frames();
            frames += packet.frames();
            packets++;
            if (packet.isSilent()) {
                silent++;
            } else {
                nonSilent++;
            }
            return packet;
        }

        void read(AudioStream stream, Duration wall) throws AudioException {
            nonSilentMark = nonSilent;
            long end = System.nanoTime() + wall.toNanos();
            while (System.nanoTime() < end) {
                next(stream).close();
            }
        }

        int nonSilentSinceMark() {
            return nonSilent - nonSilentMark;
        }

        void untilSound(AudioStream stream, Duration limit) throws AudioException {
            long end = System.nanoTime() + limit.toNanos();
            while (true) {
                try (AudioPacket p = next(stream)) {
                    if (!p.isSilent()) {
                        return;
                    }
                }
                assertTrue(System.nanoTime() < end, "only SILENT packets for " + limit);
            }
        }

        void untilSilent(AudioStream stream, Duration limit) throws AudioException {
            long end = System.nanoTime() + limit.toNanos();
            while (true) {
                try (AudioPacket p = next(stream)) {
                    if (p.isSilent()) {
                        return;
                    }
                }
                assertTrue(System.nanoTime() < end, "no SILENT packet within " + limit);
            }
        }

        double[] capture(AudioStream stream, Duration audio) throws AudioException {
            long want = audio.toMillis() * 48;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long got = 0;
            while (got < want) {
                try (AudioPacket p = next(stream)) {
                    out.writeBytes(p.segment().toArray(ValueLayout.JAVA_BYTE));
                    got += p.frames();
                }
            }
            return Signals.toMono(out.toByteArray(), "F32LE", 2);
        }
    }

    /**
     * Goertzel (Hann window) levels of some frequencies in a mono recording, as
     * the median over its 100 ms blocks: a server-side glitch in one block (e.g.
     * PulseAudio's rewind when another stream joins the sink puts a few ms of
     * zeros into a sink-input's monitor — parec --monitor-stream shows them too)
     * does not decide the result.
     */
    private record Tones(double[] rms) {
        static Tones of(double[] mono, int rate, double... hz) {
            int block = rate / 10;
            int blocks = mono.length / block;
            double[] result = new double[hz.length];
            for (int k = 0; k < hz.length; k++) {
                double[] perBlock = new double[blocks];
                for (int b = 0; b < blocks; b++) {
                    perBlock[b] = goertzelRms(mono, b * block, block, hz[k], rate);
                }
                java.util.Arrays.sort(perBlock);
                result[k] = blocks == 0 ? 0 : perBlock[blocks / 2];
            }
            return new Tones(result);
        }

        private static double goertzelRms(double[] x, int from, int n, double hz, int rate) {
            double w = 2 * Math.PI * hz / rate, c = 2 * Math.cos(w), s1 = 0, s2 = 0;
            for (int i = 0; i < n; i++) {
                double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1));
                double s0 = hann * x[from + i] + c * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            double power = s1 * s1 + s2 * s2 - c * s1 * s2;
            return 4 * Math.sqrt(Math.max(power, 0)) / n / Math.sqrt(2);
        }

        double rms(int k) {
            return rms[k];
        }

        double separationDb(int k, int other) {
            return 20 * Math.log10(rms[k] / Math.max(rms[other], 1e-12));
        }
    }

    /** Each playback stream's sink, mute and volume lines, by sink-input index. */
    private static Map<Integer, String> sinkInputState(AudioServer server) {
        Map<Integer, String> state = new LinkedHashMap<>();
        int current = -1;
        StringBuilder lines = new StringBuilder();
        for (String line : server.pactl("list", "sink-inputs").split("\n")) {
            String l = line.strip();
            if (l.startsWith("Sink Input #")) {
                if (current >= 0) {
                    state.put(current, lines.toString());
                }
                current = Integer.parseInt(l.substring("Sink Input #".length()));
                lines.setLength(0);
            } else if (l.startsWith("Sink:") || l.startsWith("Mute:") || l.startsWith("Volume:")
                    || l.startsWith("Corked:")) {
                lines.append(l).append('\n');
            }
        }
        if (current >= 0) {
            state.put(current, lines.toString());
        }
        return state;
    }

    /** PulseAudio's own per-application capture: parec --monitor-stream, s16le stereo. */
    private static byte[] parecMonitorStream(AudioServer server, long sinkInput, Duration duration) {
        int bytes = (int) (duration.toMillis() * server.sampleRate() / 1000) * 4;
        try {
            Process parec = new ProcessBuilder("parec", "--server=" + server.address(), "--raw",
                    "--monitor-stream=" + sinkInput, "--format=s16le", "--rate=" + server.sampleRate(),
                    "--channels=2", "--latency-msec=20")
                    .redirectError(Redirect.DISCARD).start();
            try (InputStream in = parec.getInputStream()) {
                byte[] pcm = in.readNBytes(bytes);
                assertEquals(bytes, pcm.length, "parec --monitor-stream=" + sinkInput + " delivered");
                return pcm;
            } finally {
                parec.destroyForcibly();
                parec.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** sox synth sine | pacat with its own client and application name. */
    private static final class Player implements AutoCloseable {
        final String name;
        private final List<Process> pipeline;

        private Player(String name, List<Process> pipeline) {
            this.name = name;
            this.pipeline = pipeline;
        }

        static Player start(AudioServer server, String name, double hz) {
            String rate = Integer.toString(server.sampleRate());
            ProcessBuilder sox = new ProcessBuilder("sox", "-q", "-n", "-t", "raw", "-r", rate, "-e", "signed",
                    "-b", "16", "-c", "2", "-", "synth", "sine", String.format(Locale.ROOT, "%.3f", hz), "vol", "0.5")
                    .redirectError(Redirect.DISCARD);
            ProcessBuilder pacat = new ProcessBuilder("pacat", "--server=" + server.address(), "--playback",
                    "--raw", "--latency-msec=20", "--device=" + server.sinkName(), "--format=s16le",
                    "--rate=" + rate, "--channels=2", "--client-name=" + name,
                    "--property=application.name=" + name, "--stream-name=tone " + (int) hz + " Hz")
                    .redirectOutput(Redirect.DISCARD).redirectError(Redirect.DISCARD);
            try {
                return new Player(name, new ArrayList<>(ProcessBuilder.startPipeline(List.of(sox, pacat))));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start sox | pacat", e);
            }
        }

        long pid() {
            return pipeline.get(1).pid();
        }

        boolean isAlive() {
            return pipeline.stream().allMatch(Process::isAlive);
        }

        @Override
        public void close() throws InterruptedException {
            for (Process p : pipeline) {
                p.destroyForcibly();
            }
            for (Process p : pipeline) {
                assertNotNull(p);
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
