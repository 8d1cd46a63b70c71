package io.github.panamaaudio.bench.sidebyside;

import io.github.panamaaudio.bench.Json;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Drives the side-by-side capture: for each round, captures the source with each
 * capture kind, each in its own process, one after another; the order rotates each
 * round so that none always runs first or last. Writes every run to a JSON file for
 * {@code io.github.panamaaudio.bench.report.ResultsReport}.
 *
 * <p>Capture kinds ({@code --kinds}, comma-separated):
 * <ul>
 *   <li>{@code ours}: this library ({@link OursCapture}): a process of its own that
 *       runs the README's loop ({@code next()}, touch the data, {@code close()}),
 *       rather than the CLI's {@code record}, which also writes every packet to a
 *       WAV file: the figures are the capture's, measured by the same code as
 *       javax's;</li>
 *   <li>{@code javax}: javax.sound.sampled with the line's default buffer
 *       ({@code line.open(format)}), {@code javax:MS}: with an MS ms buffer
 *       ({@link JavaxCapture}). The JDK opens ALSA with three periods and ALSA's
 *       pulse plugin asks the server for fragments of one period, so
 *       {@code javax:30} gets the 10 ms fragments that ours and parec get: the same
 *       latency (the server logs "Final latency 20.00 ms = 10.00 ms + 10.00 ms" for
 *       all three; {@code javax:40} gets 13.3 ms). Below a 40 ms buffer the JDK's
 *       {@code read} waits for data in 1 ms steps: that is javax at this latency.</li>
 *   <li>{@code parec}: PulseAudio's own recorder, the native reference, with
 *       {@code --latency-msec} equal to the packet duration (the fragment size ours
 *       asks for too). It writes every fragment to its stdout, a pipe read here:
 *       one write per packet that ours and javax do not pay.</li>
 * </ul>
 *
 * <p>Every capture is held to the same windows ({@link CaptureTimeline}): the first
 * seconds from the first data ({@code first}) and a window after a warm-up
 * ({@code steady}). The Java captures run the timeline themselves and print a
 * {@code MARK} line at each window edge; parec's timeline runs here, on its stdout.
 * At each edge the driver snapshots the capture's process from outside
 * ({@link ProcessMeter}: CPU and wake-ups of every thread, from {@code /proc}), so
 * measuring costs the measured process nothing; the Java captures also report the
 * same figures from inside ({@code CLOCK_PROCESS_CPUTIME_ID}, {@code getrusage}) as a
 * check. Midway through the first window the driver asks the server
 * ({@code pactl list source-outputs}) which source the capture's process records
 * from, and records it: a capture that silently recorded something else would make
 * its figures meaningless.
 *
 * <p>javax.sound.sampled reaches PulseAudio through ALSA's pulse plugin: the driver
 * writes {@code <alsa-dir>/asound.conf}, which defines ALSA's {@code default} PCM as
 * the pulse plugin on the server and the source, and starts the javax capture with
 * {@code ALSA_CONFIG_PATH} pointing at it (and without {@code PULSE_SERVER}, so the
 * routing is the file's alone). {@code ALSA_CONFIG_PATH} replaces ALSA's whole
 * configuration. An {@code ~/.asoundrc} in a private {@code HOME} did not do on
 * Debian 12: ALSA's {@code default} kept the definition of
 * {@code alsa.conf.d/pulse.conf} (the pulse plugin on the server's default source,
 * reached through {@code PULSE_SERVER}), so javax recorded another source than
 * asked, silently; hence also the source check above.
 *
 * <p>Arguments ({@code --key value}): {@code server} (required, e.g.
 * {@code unix:/tmp/x/pulse/native}), {@code source} (pac_sink.monitor), {@code kinds}
 * (ours,parec,javax:30,javax:40), {@code rate} (48000), {@code channels} (2),
 * {@code packet-ms} (10), {@code first-seconds} (10), {@code warmup} (8 s),
 * {@code seconds} (20), {@code rounds} (3), {@code java} (this JVM's launcher),
 * {@code classpath} (this JVM's), {@code alsa-dir} (required, a private directory
 * for asound.conf), {@code child-jvm-args} (space-separated, for every Java
 * capture), {@code parec} (parec), {@code pactl} (pactl), {@code log} (a file for
 * the captures' stderr), {@code out} (required, the JSON file).
 */
public final class SideBySide {

    static final String DEFAULT_KINDS = "ours,parec,javax:30,javax:40";
    private static final String[] WINDOWS = {"first", "steady"};

    private final Args args;
    private final String server;
    private final String source;
    private final int rate;
    private final int channels;
    private final int packetMillis;
    private final double firstSeconds;
    private final double warmup;
    private final double seconds;
    private final Path log;
    private final Path alsaConfig;

    private SideBySide(Args args) {
        this.args = args;
        this.server = args.require("server");
        this.source = args.get("source", "pac_sink.monitor");
        this.rate = args.getInt("rate", 48_000);
        this.channels = args.getInt("channels", 2);
        this.packetMillis = args.getInt("packet-ms", 10);
        this.firstSeconds = args.getDouble("first-seconds", 10);
        this.warmup = args.getDouble("warmup", 8);
        this.seconds = args.getDouble("seconds", 20);
        this.log = Path.of(args.get("log", "sidebyside.log"));
        this.alsaConfig = Path.of(args.require("alsa-dir")).resolve("asound.conf");
    }

    public static void main(String[] argv) throws IOException {
        Args args = new Args(argv);
        new SideBySide(args).run(List.of(args.get("kinds", DEFAULT_KINDS).split(",")),
                args.getInt("rounds", 3), Path.of(args.require("out")));
    }

    private double runSeconds() {
        return Math.max(firstSeconds, warmup + seconds);
    }

    private void run(List<String> kinds, int rounds, Path out) throws IOException {
        writeAlsaConfig();
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < kinds.size(); i++) {
                String kind = kinds.get((i + round) % kinds.size()).trim();
                System.err.printf(Locale.ROOT, ">> side-by-side round %d/%d: %s (%.0f s from the first data)%n",
                        round + 1, rounds, kind, runSeconds());
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("kind", kind);
                run.put("round", round + 1);
                run.put("order", i + 1);
                try {
                    AtomicReference<String> recorded = new AtomicReference<>("unknown");
                    Measured m;
                    if (kind.equals("ours")) {
                        m = javaCapture(OursCapture.class, recorded, "--server", server, "--source", source);
                    } else if (kind.equals("javax") || kind.startsWith("javax:")) {
                        String bufferMillis = kind.equals("javax") ? "0" : kind.substring("javax:".length());
                        m = javaCapture(JavaxCapture.class, recorded, "--buffer-ms", bufferMillis);
                    } else if (kind.equals("parec")) {
                        m = parec(recorded);
                    } else {
                        throw new IllegalArgumentException("unknown capture kind '" + kind
                                + "'; known: ours, javax, javax:MS, parec");
                    }
                    run.put("recordedSource", recorded.get());
                    derive(m, run);
                    for (String w : WINDOWS) {
                        Map<String, Object> f = asMap(asMap(run.get("windows")).get(w));
                        System.err.printf(Locale.ROOT,
                                "   %-6s CPU %.1f µs/packet (%.5f s per audio s), %.2f wake-ups/packet,"
                                        + " frames %s/%s, %s discontinuities, max gap %.1f ms%n",
                                w, f.get("cpuPerPacketMicros"), f.get("cpuPerAudioSecond"), f.get("wakeupsPerPacket"),
                                f.get("frames"), f.get("expectedFrames"), f.get("discontinuities"),
                                f.get("maxGapMillis"));
                    }
                    System.err.println("   source " + recorded.get());
                } catch (Exception e) {
                    run.put("error", String.valueOf(e));
                    System.err.println("   failed: " + e);
                }
                runs.add(run);
            }
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("server", server);
        setup.put("source", source);
        setup.put("rate", rate);
        setup.put("channels", channels);
        setup.put("format", "S16LE");
        setup.put("packetMillis", packetMillis);
        setup.put("firstSeconds", firstSeconds);
        setup.put("warmupSeconds", warmup);
        setup.put("windowSeconds", seconds);
        setup.put("rounds", rounds);
        setup.put("kinds", kinds);
        setup.put("sampleMillis", ProcessMeter.SAMPLE_MILLIS);
        setup.put("childJvmArgs", args.get("child-jvm-args", ""));
        setup.put("javaVersion", Runtime.version().toString());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("setup", setup);
        doc.put("runs", runs);
        Files.writeString(out, Json.write(doc) + "\n", StandardCharsets.UTF_8);
    }

    /** ALSA's whole configuration for the javax captures: default = the pulse plugin on our source. */
    private void writeAlsaConfig() throws IOException {
        Files.createDirectories(alsaConfig.getParent());
        String quotedServer = '"' + server.replace("\"", "") + '"';
        String quotedSource = '"' + source.replace("\"", "") + '"';
        Files.writeString(alsaConfig,
                "# Written by io.github.panamaaudio.bench.sidebyside.SideBySide; used as ALSA_CONFIG_PATH.\n"
                        + "# The pulse plugin is found by its type (libasound_module_pcm_pulse.so).\n"
                        + "pcm.!default { type pulse server " + quotedServer + " device " + quotedSource + " }\n"
                        + "ctl.!default { type pulse server " + quotedServer + " }\n",
                StandardCharsets.UTF_8);
    }

    /** A capture's RESULT line and the outside snapshots taken at its window edges. */
    private record Measured(Map<String, String> result, ProcessMeter meter) {
    }

    /** Turns a capture's measurements into the figures of one run. */
    private void derive(Measured m, Map<String, Object> run) {
        Map<String, String> result = m.result();
        long packetFrames = (long) rate * packetMillis / 1000;
        Map<String, Object> windows = new LinkedHashMap<>();
        for (String w : WINDOWS) {
            ProcessMeter.Snapshot start = m.meter().marked(w + ":start");
            ProcessMeter.Snapshot end = m.meter().marked(w + ":end");
            if (start == null || end == null) {
                throw new IllegalStateException("no snapshot at the edges of window " + w);
            }
            ProcessMeter.Window outside = ProcessMeter.Window.between(start, end);
            long frames = Long.parseLong(result.get(w + ".frames"));
            double windowSeconds = Long.parseLong(result.get(w + ".windowNanos")) / 1e9;
            double audioSeconds = (double) frames / rate;
            double packets = (double) frames / packetFrames;
            double cpuSeconds = outside.cpuNanos() / 1e9;
            long allocated = Long.parseLong(result.get(w + ".allocatedBytes"));
            long inCpu = Long.parseLong(result.get(w + ".inProcessCpuNanos"));
            long inWakeups = Long.parseLong(result.get(w + ".inProcessWakeups"));
            long allocatingReads = Long.parseLong(result.get(w + ".allocatingReads"));
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("windowSeconds", windowSeconds);
            f.put("meterSeconds", outside.seconds());
            f.put("frames", frames);
            f.put("expectedFrames", Math.round(rate * windowSeconds));
            f.put("packets", packets);
            f.put("reads", Long.parseLong(result.get(w + ".reads")));
            f.put("cpuSeconds", cpuSeconds);
            f.put("cpuPerAudioSecond", cpuSeconds / audioSeconds);
            f.put("cpuPerPacketMicros", outside.cpuNanos() / 1e3 / packets);
            f.put("schedstatCpuSeconds", outside.schedstatNanos() / 1e9);
            f.put("wakeups", outside.wakeups());
            f.put("wakeupsPerPacket", outside.wakeups() / packets);
            f.put("busiestThreads", outside.busiestThreads(4).stream()
                    .map(s -> {
                        int eq = s.lastIndexOf('=');
                        return s.substring(0, eq) + "=" + String.format(Locale.ROOT, "%.2f",
                                Long.parseLong(s.substring(eq + 1)) / packets);
                    }).toList());
            f.put("endedThreads", outside.endedThreads());
            f.put("threadsAtEnd", outside.threadsAtEnd());
            f.put("inProcessCpuSeconds", inCpu < 0 ? null : inCpu / 1e9);
            f.put("inProcessWakeupsPerPacket", inWakeups < 0 ? null : inWakeups / packets);
            f.put("allocatedBytes", allocated < 0 ? null : allocated);
            f.put("bytesPerPacket", allocated < 0 ? null : allocated / packets);
            f.put("allocatingReads", allocatingReads < 0 ? null : allocatingReads);
            f.put("allocations", result.get(w + ".allocations"));
            f.put("discontinuities", Long.parseLong(result.get(w + ".discontinuities")));
            f.put("maxGapMillis", Long.parseLong(result.get(w + ".maxGapNanos")) / 1e6);
            windows.put(w, f);
        }
        ProcessMeter.Snapshot exec = m.meter().marked("exec");
        ProcessMeter.Snapshot first = m.meter().marked("first:start");
        run.put("startupCpuSeconds", (first.cpuClockNanos() - exec.cpuClockNanos()) / 1e9);
        run.put("startupSeconds", (first.atNanos() - exec.atNanos()) / 1e9);
        run.put("windows", windows);
        Map<String, Object> detail = new LinkedHashMap<>();
        result.forEach((k, v) -> {
            if (!k.contains(".") && !k.equals("kind")) {
                detail.put(k, v);
            }
        });
        run.put("detail", detail);
    }

    private Measured javaCapture(Class<?> main, AtomicReference<String> recorded, String... extra)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(args.get("java", Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        for (String a : args.get("child-jvm-args", "").trim().split("\\s+")) {
            if (!a.isEmpty()) {
                cmd.add(a);
            }
        }
        cmd.add("-cp");
        cmd.add(args.get("classpath", System.getProperty("java.class.path")));
        cmd.add(main.getName());
        cmd.addAll(List.of("--rate", Integer.toString(rate), "--channels", Integer.toString(channels),
                "--packet-ms", Integer.toString(packetMillis), "--first-seconds", Double.toString(firstSeconds),
                "--warmup", Double.toString(warmup), "--seconds", Double.toString(seconds)));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (main == JavaxCapture.class) {
            pb.environment().remove("PULSE_SERVER");
            pb.environment().put("ALSA_CONFIG_PATH", alsaConfig.toString());
        } else {
            pb.environment().put("PULSE_SERVER", server);
        }
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process process = pb.start();
        process.getOutputStream().close();
        ProcessMeter meter = new ProcessMeter(process.pid());
        meter.mark("exec");
        Thread checker = null;
        String resultLine = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("MARK ")) {
                    String name = line.substring("MARK ".length()).trim();
                    meter.mark(name);
                    if (name.equals("first:start")) {
                        checker = checkRecordedSource(process, recorded);
                    }
                } else if (line.startsWith("RESULT ")) {
                    resultLine = line;
                } else {
                    Files.writeString(log, main.getSimpleName() + ": " + line + "\n", StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
        } finally {
            meter.close();
        }
        if (!process.waitFor((long) (runSeconds() + 120), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(main.getSimpleName() + " did not finish; see " + log);
        }
        if (checker != null) {
            checker.join();
        }
        if (process.exitValue() != 0 || resultLine == null) {
            throw new IllegalStateException(main.getSimpleName() + " exited with status " + process.exitValue()
                    + (resultLine == null ? " without a result" : "") + "; see " + log);
        }
        return new Measured(parseResult(resultLine), meter);
    }

    private Measured parec(AtomicReference<String> recorded) throws IOException, InterruptedException {
        int frameBytes = 2 * channels;
        ProcessBuilder pb = new ProcessBuilder(args.get("parec", "parec"), "--server=" + server,
                "--device=" + source, "--format=s16le", "--rate=" + rate, "--channels=" + channels,
                "--latency-msec=" + packetMillis, "--raw", "--client-name=pac-bench-parec");
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process process = pb.start();
        process.getOutputStream().close();
        ProcessMeter meter = new ProcessMeter(process.pid());
        meter.mark("exec");
        Thread[] checker = new Thread[1];
        try {
            CaptureTimeline[] timeline = new CaptureTimeline[1];
            timeline[0] = CaptureTimeline.standard((index, end) -> {
                String name = timeline[0].windowName(index) + (end ? ":end" : ":start");
                meter.mark(name);
                if (name.equals("first:start")) {
                    checker[0] = checkRecordedSource(process, recorded);
                }
            }, false, firstSeconds, warmup, seconds);
            InputStream in = process.getInputStream();
            byte[] buffer = new byte[1 << 16];
            long carry = 0;
            while (!timeline[0].done()) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IllegalStateException("parec ended early (status "
                            + process.waitFor() + "); see " + log);
                }
                long bytes = carry + n;
                carry = bytes % frameBytes;
                timeline[0].onRead(bytes / frameBytes, false);
            }
            return new Measured(parseResult(timeline[0].resultLine("parec", "latencyMsec=" + packetMillis)), meter);
        } finally {
            meter.close();
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            if (checker[0] != null) {
                checker[0].join();
            }
        }
    }

    /**
     * Midway through the first window, asks the server which source the process
     * records from and stores its name (or what went wrong) in {@code recorded}.
     */
    private Thread checkRecordedSource(Process process, AtomicReference<String> recorded) {
        return Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep((long) (Math.min(firstSeconds, warmup) / 2 * 1000));
                if (!process.isAlive()) {
                    recorded.set("unknown (the process ended first)");
                    return;
                }
                recorded.set(PulseQuery.recordedSource(args.get("pactl", "pactl"), server, process.pid()));
            } catch (Exception e) {
                recorded.set("unknown (" + e + ")");
            }
        });
    }

    private static Map<String, String> parseResult(String line) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String pair : line.substring("RESULT ".length()).trim().split(" ")) {
            int eq = pair.indexOf('=');
            result.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return result;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }
}
