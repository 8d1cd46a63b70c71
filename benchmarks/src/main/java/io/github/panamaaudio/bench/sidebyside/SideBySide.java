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
 *   <li>{@code ours}: this library ({@link OursCapture});</li>
 *   <li>{@code javax}: javax.sound.sampled with the line's default buffer
 *       ({@code line.open(format)}), {@code javax:MS}: with an MS ms buffer
 *       ({@link JavaxCapture});</li>
 *   <li>{@code parec}: PulseAudio's own recorder, the native reference, with
 *       {@code --latency-msec} equal to the packet duration (the fragment size ours
 *       asks for too).</li>
 * </ul>
 *
 * <p>The Java captures measure themselves ({@link CaptureWindow} in the child);
 * parec is measured from here with the same class, reading its stdout as a reader
 * would and its CPU time from {@code /proc/<pid>/task/*}{@code /schedstat}, so all
 * are held to the same window. Midway through each warm-up the driver asks the
 * server ({@code pactl list source-outputs}) which source the capture's process
 * records from, and records it: a capture that silently recorded something else
 * would make its figures meaningless.
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
 * (ours,javax:40,javax,parec), {@code rate} (48000), {@code channels} (2),
 * {@code packet-ms} (10), {@code warmup} (5 s), {@code seconds} (30), {@code rounds}
 * (3), {@code java} (this JVM's launcher), {@code classpath} (this JVM's),
 * {@code alsa-dir} (required, a private directory for asound.conf),
 * {@code child-jvm-args} (space-separated, for every Java capture), {@code parec}
 * (parec), {@code pactl} (pactl), {@code log} (a file for the captures' stderr),
 * {@code out} (required, the JSON file).
 */
public final class SideBySide {

    private final Args args;
    private final String server;
    private final String source;
    private final int rate;
    private final int channels;
    private final int packetMillis;
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
        this.warmup = args.getDouble("warmup", 5);
        this.seconds = args.getDouble("seconds", 30);
        this.log = Path.of(args.get("log", "sidebyside.log"));
        this.alsaConfig = Path.of(args.require("alsa-dir")).resolve("asound.conf");
    }

    public static void main(String[] argv) throws IOException {
        Args args = new Args(argv);
        new SideBySide(args).run(List.of(args.get("kinds", "ours,javax:40,javax,parec").split(",")),
                args.getInt("rounds", 3), Path.of(args.require("out")));
    }

    private void run(List<String> kinds, int rounds, Path out) throws IOException {
        writeAlsaConfig();
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < kinds.size(); i++) {
                String kind = kinds.get((i + round) % kinds.size()).trim();
                System.err.printf(Locale.ROOT, ">> side-by-side round %d/%d: %s (%.0f s warm-up + %.0f s)%n",
                        round + 1, rounds, kind, warmup, seconds);
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("kind", kind);
                run.put("round", round + 1);
                run.put("order", i + 1);
                try {
                    AtomicReference<String> recorded = new AtomicReference<>("unknown");
                    Map<String, String> result;
                    if (kind.equals("ours")) {
                        result = javaCapture(OursCapture.class, recorded, "--server", server, "--source", source);
                    } else if (kind.equals("javax") || kind.startsWith("javax:")) {
                        String bufferMillis = kind.equals("javax") ? "0" : kind.substring("javax:".length());
                        result = javaCapture(JavaxCapture.class, recorded, "--buffer-ms", bufferMillis);
                    } else if (kind.equals("parec")) {
                        result = parec(recorded);
                    } else {
                        throw new IllegalArgumentException("unknown capture kind '" + kind
                                + "'; known: ours, javax, javax:MS, parec");
                    }
                    run.put("recordedSource", recorded.get());
                    derive(result, run);
                    System.err.printf(Locale.ROOT,
                            "   CPU %.4f s per audio s, %s B/packet, frames %s/%s, max gap %.1f ms, source %s%n",
                            run.get("cpuPerAudioSecond"), run.get("bytesPerPacket"), run.get("frames"),
                            run.get("expectedFrames"), run.get("maxGapMillis"), recorded.get());
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
        setup.put("warmupSeconds", warmup);
        setup.put("windowSeconds", seconds);
        setup.put("rounds", rounds);
        setup.put("kinds", kinds);
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

    /** Turns a RESULT line into the figures of one run. */
    private void derive(Map<String, String> result, Map<String, Object> run) {
        long frames = Long.parseLong(result.get("frames"));
        double windowSeconds = Long.parseLong(result.get("windowNanos")) / 1e9;
        double audioSeconds = (double) frames / rate;
        double cpuSeconds = Long.parseLong(result.get("cpuNanos")) / 1e9;
        long allocated = Long.parseLong(result.get("allocatedBytes"));
        long packetFrames = (long) rate * packetMillis / 1000;
        double packets = (double) frames / packetFrames;
        run.put("windowSeconds", windowSeconds);
        run.put("frames", frames);
        run.put("expectedFrames", Math.round(rate * windowSeconds));
        run.put("reads", Long.parseLong(result.get("reads")));
        run.put("cpuSeconds", cpuSeconds);
        run.put("cpuPerAudioSecond", cpuSeconds / audioSeconds);
        run.put("totalCpuSeconds", Long.parseLong(result.get("totalCpuNanos")) / 1e9);
        run.put("maxGapMillis", Long.parseLong(result.get("maxGapNanos")) / 1e6);
        run.put("allocatedBytes", allocated < 0 ? null : allocated);
        run.put("bytesPerPacket", allocated < 0 ? null : allocated / packets);
        long allocatingReads = Long.parseLong(result.get("allocatingReads"));
        run.put("allocatingReads", allocatingReads < 0 ? null : allocatingReads);
        run.put("allocations", result.get("allocations"));
        run.put("discontinuities", Long.parseLong(result.get("discontinuities")));
        run.put("timeslicesPerPacket", Long.parseLong(result.get("timeslices")) / packets);
        Map<String, Object> detail = new LinkedHashMap<>();
        result.forEach((k, v) -> {
            if (!run.containsKey(k) && !k.equals("kind")) {
                detail.put(k, v);
            }
        });
        run.put("detail", detail);
    }

    private Map<String, String> javaCapture(Class<?> main, AtomicReference<String> recorded, String... extra)
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
                "--packet-ms", Integer.toString(packetMillis), "--warmup", Double.toString(warmup),
                "--seconds", Double.toString(seconds)));
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
        Thread checker = checkRecordedSource(process, recorded);
        String resultLine = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("RESULT ")) {
                    resultLine = line;
                } else {
                    Files.writeString(log, main.getSimpleName() + ": " + line + "\n", StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
        }
        if (!process.waitFor((long) (warmup + seconds + 120), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(main.getSimpleName() + " did not finish; see " + log);
        }
        checker.join();
        if (process.exitValue() != 0 || resultLine == null) {
            throw new IllegalStateException(main.getSimpleName() + " exited with status " + process.exitValue()
                    + (resultLine == null ? " without a result" : "") + "; see " + log);
        }
        return parseResult(resultLine);
    }

    private Map<String, String> parec(AtomicReference<String> recorded) throws IOException, InterruptedException {
        int frameBytes = 2 * channels;
        ProcessBuilder pb = new ProcessBuilder(args.get("parec", "parec"), "--server=" + server,
                "--device=" + source, "--format=s16le", "--rate=" + rate, "--channels=" + channels,
                "--latency-msec=" + packetMillis, "--raw", "--client-name=pac-bench-parec");
        pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process process = pb.start();
        process.getOutputStream().close();
        Thread checker = checkRecordedSource(process, recorded);
        try {
            CaptureWindow window = new CaptureWindow(CpuClock.ofTasks(process.pid()), false, warmup, seconds);
            InputStream in = process.getInputStream();
            byte[] buffer = new byte[1 << 16];
            long carry = 0;
            while (!window.done()) {
                int n = in.read(buffer);
                if (n < 0) {
                    throw new IllegalStateException("parec ended early (status "
                            + process.waitFor() + "); see " + log);
                }
                long bytes = carry + n;
                carry = bytes % frameBytes;
                window.onRead(bytes / frameBytes, false);
            }
            return parseResult(window.resultLine("parec", "latencyMsec=" + packetMillis));
        } finally {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            checker.join();
        }
    }

    /**
     * Midway through the warm-up, asks the server which source the process records
     * from and stores its name (or what went wrong) in {@code recorded}.
     */
    private Thread checkRecordedSource(Process process, AtomicReference<String> recorded) {
        return Thread.ofVirtual().start(() -> {
            try {
                // JVM start-up comes before the warm-up: allow for it
                Thread.sleep((long) ((warmup / 2 + 1) * 1000));
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
}
