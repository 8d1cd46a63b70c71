package io.github.panamaaudio.bench.report;

import io.github.panamaaudio.bench.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code RESULTS.md} from JMH's JSON result file and the side-by-side JSON
 * file. Every number it prints comes from those files; every target gets a verdict.
 *
 * <p>Arguments ({@code --key value}): {@code jmh} (JMH's {@code -rf json} file; a
 * missing file is reported as such), {@code sidebyside} (SideBySide's file, same),
 * {@code header} (a Markdown file copied in after the title: machine, commands),
 * {@code floorshape} (FloorShape's file: what the floor was made to match),
 * {@code mode} ({@code full} or {@code quick}), {@code out} (the file to write), and
 * {@code readme} (rewrite the figures block of that README from {@code out}, see
 * {@link ReadmeFigures}; with {@code readme} and {@code out} alone, only that).
 */
public final class ResultsReport {

    /** Targets, from issue 11 ("Real-time capture costs no more CPU than PulseAudio's own parec"). */
    static final double TARGET_OURS_OVER_FLOOR = 1.5;
    static final double TARGET_CPU_OURS_OVER_PAREC_STEADY = 1.0;
    static final double TARGET_CPU_OURS_OVER_PAREC_FIRST = 1.5;
    static final double TARGET_WAKEUPS_OVER_PAREC = 0.3;
    /**
     * JMH's gc.alloc.rate.norm is not exactly 0 for code that allocates nothing: the
     * profiled JVM allocates a little in the background, which shows up divided among
     * the operations (so more per operation for slower ones). The floor benchmark, a
     * bare downcall, allocates nothing, so its figure is that background; ours is
     * judged net of the same background rate per nanosecond, and anything below half a
     * byte per packet is zero (a real allocation costs at least 16 bytes: one object
     * every 32 packets would show).
     */
    static final double ALLOCATION_NOISE = 0.5;
    static final int TARGET_SIZE = 3_840;
    static final String PKG = "io.github.panamaaudio.bench.jmh.";

    private final StringBuilder md = new StringBuilder();
    private final List<String[]> summary = new ArrayList<>();
    private final boolean quick;
    /** FloorShape's JSON: the floor's working set and segment arguments; empty when missing. */
    private Map<String, Object> floorShape = Map.of();

    private ResultsReport(boolean quick) {
        this.quick = quick;
    }

    public static void main(String[] argv) throws IOException {
        Map<String, String> args = new HashMap<>();
        for (int i = 0; i + 1 < argv.length; i += 2) {
            args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
        }
        ResultsReport report = new ResultsReport("quick".equals(args.getOrDefault("mode", "full")));
        Path out = Path.of(args.getOrDefault("out", "RESULTS.md"));
        if (args.containsKey("jmh") || args.containsKey("sidebyside")) {
            Files.writeString(out, report.render(optionalFile(args.get("jmh")), optionalFile(args.get("floorshape")),
                    optionalFile(args.get("sidebyside")),
                    args.get("header") == null ? "" : Files.readString(Path.of(args.get("header")))),
                    StandardCharsets.UTF_8);
            System.err.println(">> wrote " + out);
        }
        if (args.containsKey("readme")) {
            ReadmeFigures.update(out, Path.of(args.get("readme")));
            System.err.println(">> updated the figures in " + args.get("readme") + " from " + out);
        }
    }

    private static Path optionalFile(String name) {
        return name == null ? null : Path.of(name);
    }

    private String render(Path jmhFile, Path floorShapeFile, Path sideBySideFile, String header) throws IOException {
        StringBuilder body = new StringBuilder();
        StringBuilder saved = new StringBuilder();
        // sections first (they fill the summary), then the page around them
        if (jmhFile != null && Files.isRegularFile(jmhFile)) {
            List<Object> jmh = asList(Json.parse(Files.readString(jmhFile)));
            if (floorShapeFile != null && Files.isRegularFile(floorShapeFile)) {
                floorShape = asMap(Json.parse(Files.readString(floorShapeFile)));
            }
            packetPath(jmh);
            pool(jmh);
            checked(jmh);
        } else {
            line("## Packet path, pool, checked mode (JMH)");
            line("");
            line("No JMH results (" + jmhFile + " is missing): the JMH run failed; see its log.");
            line("");
            summary.add(new String[] {"JMH figures", "—", "not measured", "**missed: no results**"});
        }
        if (sideBySideFile != null && Files.isRegularFile(sideBySideFile)) {
            sideBySide(asMap(Json.parse(Files.readString(sideBySideFile))));
        } else {
            line("## Side-by-side capture");
            line("");
            line("No side-by-side results (" + sideBySideFile + " is missing): the harness failed; see its log.");
            line("");
            summary.add(new String[] {"Side-by-side figures", "—", "not measured", "**missed: no results**"});
        }
        saved.append(md);
        md.setLength(0);

        line("# Benchmark results");
        line("");
        if (quick) {
            line("> **Quick smoke run** (`scripts/bench --quick`): iterations and captures are cut short to prove");
            line("> that everything runs. Do not quote these figures; `scripts/bench` measures properly.");
        } else {
            line("> Written by `scripts/bench`; every figure below comes from the run it describes.");
            line("> Reproduce with `scripts/bench` (about 15 minutes on 2 cores).");
        }
        line("");
        line("## Summary");
        line("");
        line("| Figure | Target | Measured | Verdict |");
        line("|---|---|---|---|");
        for (String[] row : summary) {
            line("| " + String.join(" | ", row) + " |");
        }
        line("");
        body.append(md);
        body.append(header.strip()).append("\n\n");
        body.append(saved);
        return body.toString();
    }

    // ---- JMH ------------------------------------------------------------------

    /** One JMH result: score ± error (99.9 % confidence half-width) and B/op. */
    private record Result(double score, double error, String unit, double bytesPerOp, double bytesPerOpError) {
        String time() {
            return Double.isNaN(error) ? fmt(score) : fmt(score) + " ± " + fmt(error);
        }

        String alloc() {
            return Double.isNaN(bytesPerOp) ? "n/a" : fmtBytes(bytesPerOp);
        }

        double relError() {
            return error / score;
        }
    }

    private static Result find(List<Object> jmh, String benchmark, String param, String value) {
        for (Object o : jmh) {
            Map<String, Object> r = asMap(o);
            if (!(PKG + benchmark).equals(r.get("benchmark"))) {
                continue;
            }
            if (param != null) {
                Map<String, Object> params = asMap(r.getOrDefault("params", Map.of()));
                if (!value.equals(String.valueOf(params.get(param)))) {
                    continue;
                }
            }
            Map<String, Object> primary = asMap(r.get("primaryMetric"));
            Map<String, Object> secondary = asMap(r.getOrDefault("secondaryMetrics", Map.of()));
            Map<String, Object> norm = secondary.containsKey("gc.alloc.rate.norm")
                    ? asMap(secondary.get("gc.alloc.rate.norm")) : Map.of();
            return new Result(num(primary.get("score")), num(primary.get("scoreError")),
                    String.valueOf(primary.get("scoreUnit")), num(norm.get("score")), num(norm.get("scoreError")));
        }
        return null;
    }

    private void packetPath(List<Object> jmh) {
        String[] sizes = {"480", "3840", "38400"};
        line("## Packet path (JMH)");
        line("");
        line("Time and allocation per packet, `-prof gc` (`gc.alloc.rate.norm`). Each figure is JMH's mean ±");
        line("its 99.9 % confidence half-width. The tone backend in test-pattern mode, unpaced: one memcpy per");
        line("packet in C. Packet sizes: 480 B = S16LE mono 24 kHz 10 ms; 3 840 B = 10 ms of 48 kHz stereo F32LE;");
        line("38 400 B = 100 ms of the same.");
        line("");
        line("- **ours**: `stream.next()` + `packet.close()`, the whole library path;");
        line("- **shim read**: the library's `NativeStream.read` alone (the `pac_stream_read` downcall with the");
        line("  arguments ours passes) on an identical tone stream: the unpaced tone read takes no lock, so its C");
        line("  side is the argument checks, the memcpy and the packet-info struct; *ours − shim read* is what the");
        line("  Java side adds, *shim read − floor* what the C stream adds;");
        line("- **floor**: one bare downcall, `pac_pattern_fill`, doing the same memcpy, shaped like ours: " + floorShapeText());
        line("  (FFM acquires and releases each segment argument's arena around a downcall, so their number counts;");
        line("  the function ignores the extra ones);");
        line("- **new byte[]**: the floor plus a copy into a new `byte[]` per packet (a JNI binding returning arrays);");
        line("- **reused byte[] + ByteBuffer**: the floor plus a copy into a reused `byte[]` read through a");
        line("  `ByteBuffer` (what a `javax.sound.sampled` reader does).");
        line("");
        line("| Packet | ours ns | shim read ns | floor ns | **ours / floor** | new byte[] ns | reused byte[] + ByteBuffer ns |");
        line("|---:|---:|---:|---:|---:|---:|---:|");
        Map<String, Result[]> bySize = new LinkedHashMap<>();
        for (String size : sizes) {
            Result ours = find(jmh, "PacketPathBenchmark.ours", "packetBytes", size);
            Result shim = find(jmh, "PacketPathBenchmark.shimStreamRead", "packetBytes", size);
            Result floor = find(jmh, "PacketPathBenchmark.floor", "packetBytes", size);
            Result fresh = find(jmh, "PacketPathBenchmark.copyNewArray", "packetBytes", size);
            Result reused = find(jmh, "PacketPathBenchmark.copyReusedArrayByteBuffer", "packetBytes", size);
            bySize.put(size, new Result[] {ours, shim, floor, fresh, reused});
            line("| " + bytes(size) + " | " + t(ours) + " | " + t(shim) + " | " + t(floor) + " | **"
                    + ratio(ours, floor) + "** | " + t(fresh) + " | " + t(reused) + " |");
        }
        line("");
        line("Bytes allocated per packet (`gc.alloc.rate.norm`, B/op). Code that allocates nothing does not show");
        line("exactly 0: the profiled JVM allocates a little in the background, divided among the operations.");
        line("The floor, a bare downcall, allocates nothing, so its figure is that background; ours is judged");
        line("net of the same background per nanosecond, and less than " + fmtBytes(ALLOCATION_NOISE)
                + " B/packet net counts as zero (a real");
        line("allocation is at least one 16-byte object).");
        line("");
        line("| Packet | ours | shim read | floor | new byte[] | reused byte[] + ByteBuffer |");
        line("|---:|---:|---:|---:|---:|---:|");
        for (Map.Entry<String, Result[]> e : bySize.entrySet()) {
            Result[] r = e.getValue();
            line("| " + bytes(e.getKey()) + " | " + a(r[0]) + " | " + a(r[1]) + " | " + a(r[2]) + " | " + a(r[3])
                    + " | " + a(r[4]) + " |");
        }
        line("");
        Result[] atTarget = bySize.get(Integer.toString(TARGET_SIZE));
        if (atTarget[0] != null && atTarget[2] != null) {
            double ratio = atTarget[0].score() / atTarget[2].score();
            String where = "";
            if (atTarget[1] != null) {
                where = String.format(Locale.ROOT, " (of the %s ns above the floor, the C stream adds %s ns, the"
                                + " Java API %s ns)", fmt(atTarget[0].score() - atTarget[2].score()),
                        fmt(atTarget[1].score() - atTarget[2].score()), fmt(atTarget[0].score() - atTarget[1].score()));
            }
            String shape = floorShape.isEmpty() ? "" : String.format(Locale.ROOT, " (floor: %s segment(s), %s segment"
                    + " arguments)", fmtInt(asMap(asMap(floorShape.get("sizes")).get("3840")).get("workingSetSegments")),
                    fmtInt(floorShape.get("segmentArguments")));
            summary.add(new String[] {"Packet path: ours / floor, time per 3 840 B packet" + shape, "≤ "
                    + fmt(TARGET_OURS_OVER_FLOOR), ratio(atTarget[0], atTarget[2]) + where,
                    verdictAtMost(ratio, TARGET_OURS_OVER_FLOOR)});
            List<String> allocs = new ArrayList<>();
            double worstNet = 0;
            for (Map.Entry<String, Result[]> e : bySize.entrySet()) {
                Result o = e.getValue()[0];
                Result f = e.getValue()[2];
                if (o != null && f != null) {
                    double net = netAllocation(o, f);
                    allocs.add(bytes(e.getKey()) + ": " + a(o) + " (floor " + a(f) + ")");
                    worstNet = Math.max(worstNet, net);
                }
            }
            summary.add(new String[] {"Packet path: bytes allocated per packet by ours (steady state)", "0 B",
                    String.join("; ", allocs) + " B/op",
                    worstNet < ALLOCATION_NOISE ? "met" : "**missed by " + fmtBytes(worstNet) + " B/packet**"});
            if (atTarget[3] != null && atTarget[4] != null) {
                summary.add(new String[] {"Packet path at 3 840 B: copying baselines / ours (for reference)", "—",
                        "new byte[]: " + ratio(atTarget[3], atTarget[0]) + "; reused byte[] + ByteBuffer: "
                                + ratio(atTarget[4], atTarget[0]), "—"});
            }
        } else {
            summary.add(new String[] {"Packet path: ours / floor at 3 840 B", "≤ " + fmt(TARGET_OURS_OVER_FLOOR),
                    "not measured", "**missed: no result**"});
        }
    }

    /** The floor's shape as FloorShape measured it, in words. */
    private String floorShapeText() {
        if (floorShape.isEmpty()) {
            return "(its shape was not recorded: no FloorShape file)";
        }
        Map<String, Object> sizes = asMap(floorShape.get("sizes"));
        List<String> ws = new ArrayList<>();
        for (Map.Entry<String, Object> e : sizes.entrySet()) {
            Map<String, Object> v = asMap(e.getValue());
            ws.add(bytes(e.getKey()) + ": " + fmtInt(v.get("workingSetSegments")) + " of the pool's "
                    + fmtInt(v.get("poolSegments")));
        }
        return "it cycles through as many segments of the packet's size, from a pool created like ours', as ours'"
                + " pool hands out over " + fmtInt(floorShape.get("probePackets")) + " packets (" + String.join("; ", ws)
                + "), and passes " + fmtInt(floorShape.get("segmentArguments")) + " segment arguments, as"
                + " `pac_stream_read(" + floorShape.get("streamReadArguments") + ")` takes: the pool's segment,"
                + " a global-scope address for the stream handle, shared-arena segments for the packet info"
                + (num(floorShape.get("segmentArguments")) >= 4 ? " and the error out-struct" : "");
    }

    /** Bytes per operation of {@code r} beyond the background that the floor {@code f} shows, per ns. */
    private static double netAllocation(Result r, Result f) {
        double backgroundPerNs = Double.isNaN(f.bytesPerOp()) ? 0 : f.bytesPerOp() / f.score();
        return r.bytesPerOp() - backgroundPerNs * r.score();
    }

    private void pool(List<Object> jmh) {
        Result one = find(jmh, "PoolBenchmark.acquireRelease1Thread", null, null);
        Result two = find(jmh, "PoolBenchmark.acquireRelease2Threads", null, null);
        line("## Pool (JMH)");
        line("");
        line("`SegmentPool.tryAcquire()` + `release()` on a pool of 16 segments of 3 840 B; with 2 threads both");
        line("share one pool, and the time is per operation of one thread (two run at once).");
        line("");
        line("| Threads | ns per acquire + release | B/op |");
        line("|---:|---:|---:|");
        line("| 1 | " + t(one) + " | " + a(one) + " |");
        line("| 2 | " + t(two) + " | " + a(two) + " |");
        line("");
        if (one != null && two != null) {
            summary.add(new String[] {"Pool: acquire + release, 1 thread / 2 threads", "—",
                    fmt(one.score()) + " ns / " + fmt(two.score()) + " ns per operation, "
                            + a(one) + " / " + a(two) + " B/op", "—"});
        }
    }

    private void checked(List<Object> jmh) {
        Result off = find(jmh, "CheckedModeBenchmark.nextClose", "checked", "false");
        Result on = find(jmh, "CheckedModeBenchmark.nextClose", "checked", "true");
        line("## Checked mode (JMH)");
        line("");
        line("`next()` + `close()` of 3 840 B tone-pattern packets with `StreamConfig.builder().checked(true)`");
        line("(use after close throws) against the default.");
        line("");
        line("| checked | ns per packet | B/packet |");
        line("|---|---:|---:|");
        line("| off | " + t(off) + " | " + a(off) + " |");
        line("| on | " + t(on) + " | " + a(on) + " |");
        line("");
        if (off != null && on != null) {
            line("Checked on / off: **" + ratio(on, off) + "** in time, +" + fmtBytes(on.bytesPerOp() - off.bytesPerOp())
                    + " B per packet.");
            line("");
            summary.add(new String[] {"Checked mode: extra cost (on / off, 3 840 B)", "—",
                    ratio(on, off) + " in time, +" + fmtBytes(on.bytesPerOp() - off.bytesPerOp()) + " B/packet", "—"});
        }
    }

    // ---- side by side -----------------------------------------------------------

    private void sideBySide(Map<String, Object> doc) {
        Map<String, Object> setup = asMap(doc.get("setup"));
        List<Object> runs = asList(doc.get("runs"));
        List<String> kinds = new ArrayList<>();
        for (Object k : asList(setup.get("kinds"))) {
            kinds.add(String.valueOf(k).trim());
        }
        int rate = (int) num(setup.get("rate"));
        int packetMillis = (int) num(setup.get("packetMillis"));
        String sameLatencyJavax = "javax:" + 3 * packetMillis;
        String source = String.valueOf(setup.get("source"));

        line("## Side-by-side capture");
        line("");
        line(String.format(Locale.ROOT, "The private PulseAudio server's `%s` (a null sink's monitor, with a 440 Hz"
                        + " sine playing into the sink) captured at %d Hz, %d channels, %s, in %d ms packets, by each"
                        + " capture in its own process, one after another, %d rounds in rotating order. Two windows"
                        + " per run, from the first read that delivered data: **first** = the first %s s (the JVM's"
                        + " JIT still cold), **steady** = %s s after %s s of warm-up.",
                source, rate, (int) num(setup.get("channels")), setup.get("format"), packetMillis,
                (int) num(setup.get("rounds")), fmt(num(setup.get("firstSeconds"))),
                fmt(num(setup.get("windowSeconds"))), fmt(num(setup.get("warmupSeconds")))));
        line("");
        line("- **CPU**: the kernel's `sum_exec_runtime` of every thread of the process, in exact nanoseconds, read");
        line("  from outside at the read that opens and the read that closes the window: the first field of");
        line("  `/proc/<pid>/task/*/schedstat` for the live threads, and, since a thread that ends leaves `task/`,");
        line("  the process's CPU clock (`clock_getcpuclockid`), which the kernel keeps as the same sum over every");
        line("  thread, ended ones included (`/proc/<pid>/schedstat` is the main thread's alone). The clock is the");
        line("  figure; the schedstat sum (threads sampled every " + fmtInt(setup.get("sampleMillis"))
                + " ms, an ended one counted to its last sample) its check. Per audio second: divided by");
        line("  the seconds of audio delivered in the window; per packet: by the " + packetMillis
                + " ms packets delivered;");
        line("- **wake-ups**: `voluntary_ctxt_switches` of `/proc/<pid>/task/*/status`, summed over every thread");
        line("  seen in the window (one that ended counts to its last sample; *ended* says how many did), per");
        line("  packet; *by thread* names the busiest (`java` is the Java main thread, the reader; `threaded-ml`");
        line("  libpulse's own thread);");
        line("- **check**: the Java captures also take `CLOCK_PROCESS_CPUTIME_ID` and `getrusage`'s `ru_nvcsw`");
        line("  (ended threads included) themselves at the same reads; *in-process / outside* compares the two;");
        line("- **frames**: delivered in the window against rate × window (the window opens and closes on a read,");
        line("  so they differ by the delivery jitter, up to the largest gap between reads); ours also counts every");
        line("  discontinuity the server reports;");
        line("- **allocated**: by the reading thread (`ThreadMXBean#getCurrentThreadAllocatedBytes`), per packet,");
        line("  with how many reads allocated anything (a few: the JIT; every read: a per-packet allocation).");
        line("");
        line("Captures: **ours** = this library in a process of its own running the README's loop (`next()`, touch");
        line("the data, `close()`; not the CLI's `record`, which also writes a WAV file); **parec** = PulseAudio's");
        line("recorder with `--latency-msec=" + packetMillis + "` (the fragment size ours asks for), which also writes"
                + " every fragment to");
        line("its stdout, a pipe the harness reads; **javax:MS** = `javax.sound.sampled` `TargetDataLine` opened");
        line("with an MS ms buffer on ALSA's `default`, routed to the server by the pulse plugin, read one packet at");
        line("a time into a reused `byte[]`. The JDK opens ALSA with three periods and the plugin asks for one");
        line("period per fragment, so **" + sameLatencyJavax + "** gets the same " + packetMillis
                + " ms fragments as ours and parec (the server logs");
        line("the same \"Final latency 20.00 ms = 10.00 ms + 10.00 ms\" for the three); below a 40 ms buffer the");
        line("JDK's `read` polls in 1 ms steps while it waits, which is javax at that latency. javax:40 (13.3 ms");
        line("fragments, no polling) is for reference.");
        line("");
        line("**The machine has 2 cores shared with other builds and tests: every figure here is noisy;** the");
        line("rounds alternate the captures so that each ratio compares runs made close together.");
        line("");

        Map<String, List<Map<String, Object>>> byKind = new LinkedHashMap<>();
        for (String kind : kinds) {
            byKind.put(kind, new ArrayList<>());
        }
        List<String> errors = new ArrayList<>();
        for (Object o : runs) {
            Map<String, Object> run = asMap(o);
            String kind = String.valueOf(run.get("kind"));
            if (run.containsKey("error")) {
                errors.add(kind + " (round " + fmtInt(run.get("round")) + "): " + run.get("error"));
                continue;
            }
            byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(run);
        }
        for (String window : List.of("steady", "first")) {
            line("### " + (window.equals("steady") ? "Steady window" : "First " + fmt(num(setup.get("firstSeconds")))
                    + " s") + ", median of the rounds");
            line("");
            line("| Capture | CPU s per audio s | CPU µs per packet | wake-ups per packet | by thread | frames delivered / expected | discontinuities | max gap ms | allocated by the reader | check: CPU in-process / outside, wake-ups in-process | ended threads |");
            line("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|");
            for (Map.Entry<String, List<Map<String, Object>>> e : byKind.entrySet()) {
                List<Map<String, Object>> ws = windows(e.getValue(), window);
                if (ws.isEmpty()) {
                    line("| " + e.getKey() + " | no successful run | | | | | | | | | |");
                    continue;
                }
                long frames = (long) sum(ws, "frames");
                long expected = (long) sum(ws, "expectedFrames");
                String check = ws.stream().anyMatch(w -> w.get("inProcessCpuSeconds") == null) ? "n/a (native)"
                        : fmt(median(ws.stream().map(w -> num(w.get("inProcessCpuSeconds")) / num(w.get("cpuSeconds")))
                        .toList())) + ", " + fmt(median(ws, "inProcessWakeupsPerPacket"));
                line("| " + e.getKey() + " | " + String.format(Locale.ROOT, "%.5f", median(ws, "cpuPerAudioSecond"))
                        + " | " + fmt(median(ws, "cpuPerPacketMicros")) + " | " + fmt(median(ws, "wakeupsPerPacket"))
                        + " | " + String.join(", ", asList(ws.get(ws.size() / 2).get("busiestThreads")).stream()
                        .map(String::valueOf).toList())
                        + " | " + frames + " / " + expected + String.format(Locale.ROOT, " (%.4f)", (double) frames / expected)
                        + " | " + (long) sum(ws, "discontinuities") + " | " + fmt(max(ws, "maxGapMillis"))
                        + " | " + bytesPerPacket(ws) + " | " + check + " | " + (long) sum(ws, "endedThreads") + " |");
            }
            line("");
            line("Per round (each ratio from runs of the same round):");
            line("");
            List<String> others = new ArrayList<>();
            for (String k : byKind.keySet()) {
                if (!k.equals("ours")) {
                    others.add(k);
                }
            }
            StringBuilder head = new StringBuilder("| Round | ours CPU µs/packet | ours wake-ups/packet |");
            StringBuilder rule = new StringBuilder("|---:|---:|---:|");
            for (String k : others) {
                head.append(" ours / ").append(k).append(" CPU | ").append(k).append(" wake-ups/packet |");
                rule.append("---:|---:|");
            }
            line(head.toString());
            line(rule.toString());
            int rounds = (int) num(setup.get("rounds"));
            Map<String, List<Double>> ratios = new LinkedHashMap<>();
            List<Double> wakeupDiffs = new ArrayList<>();
            for (int r = 1; r <= rounds; r++) {
                Map<String, Object> ours = window(runOf(byKind, "ours", r), window);
                StringBuilder row = new StringBuilder("| " + r + " | " + (ours == null ? "n/a"
                        : fmt(num(ours.get("cpuPerPacketMicros")))) + " | " + (ours == null ? "n/a"
                        : fmt(num(ours.get("wakeupsPerPacket")))) + " |");
                for (String k : others) {
                    Map<String, Object> other = window(runOf(byKind, k, r), window);
                    if (ours == null || other == null) {
                        row.append(" n/a | n/a |");
                        continue;
                    }
                    double ratio = num(ours.get("cpuPerAudioSecond")) / num(other.get("cpuPerAudioSecond"));
                    ratios.computeIfAbsent(k, x -> new ArrayList<>()).add(ratio);
                    if (k.equals("parec")) {
                        wakeupDiffs.add(num(ours.get("wakeupsPerPacket")) - num(other.get("wakeupsPerPacket")));
                    }
                    row.append(" ").append(fmt(ratio)).append(" | ").append(fmt(num(other.get("wakeupsPerPacket"))))
                            .append(" |");
                }
                line(row.toString());
            }
            StringBuilder med = new StringBuilder("| **median** | " + fmt(median(windows(byKind.getOrDefault("ours",
                    List.of()), window), "cpuPerPacketMicros")) + " | " + fmt(median(windows(byKind.getOrDefault(
                    "ours", List.of()), window), "wakeupsPerPacket")) + " |");
            for (String k : others) {
                med.append(" **").append(fmt(median(ratios.getOrDefault(k, List.of())))).append("** | ")
                        .append(fmt(median(windows(byKind.get(k), window), "wakeupsPerPacket"))).append(" |");
            }
            line(med.toString());
            line("");

            // verdicts
            String label = window.equals("steady") ? "steady " + fmt(num(setup.get("windowSeconds"))) + " s"
                    : "first " + fmt(num(setup.get("firstSeconds"))) + " s";
            double cpuTarget = window.equals("steady") ? TARGET_CPU_OURS_OVER_PAREC_STEADY : TARGET_CPU_OURS_OVER_PAREC_FIRST;
            List<Double> vsParec = ratios.getOrDefault("parec", List.of());
            if (vsParec.isEmpty()) {
                summary.add(new String[] {"Real capture CPU per audio s, " + label + ": ours / parec", "≤ "
                        + fmt(cpuTarget), "not measured", "**missed: no result**"});
            } else {
                summary.add(new String[] {"Real capture CPU per audio s, " + label + ": ours / parec (median of "
                        + vsParec.size() + " rounds)", "≤ " + fmt(cpuTarget), fmt(median(vsParec)) + " (rounds: "
                        + String.join(", ", vsParec.stream().map(ResultsReport::fmt).toList()) + "; ours "
                        + fmt(median(windows(byKind.get("ours"), window), "cpuPerPacketMicros")) + " µs/packet, parec "
                        + fmt(median(windows(byKind.get("parec"), window), "cpuPerPacketMicros")) + ")",
                        verdictAtMost(median(vsParec), cpuTarget)});
                double oursWk = median(windows(byKind.get("ours"), window), "wakeupsPerPacket");
                double parecWk = median(windows(byKind.get("parec"), window), "wakeupsPerPacket");
                double diff = median(wakeupDiffs);
                summary.add(new String[] {"Real capture wake-ups per packet, " + label + ": ours − parec", "≤ +"
                        + fmt(TARGET_WAKEUPS_OVER_PAREC), String.format(Locale.ROOT, "%s (ours %s, parec %s)",
                        (diff >= 0 ? "+" : "") + fmt(diff), fmt(oursWk), fmt(parecWk)),
                        diff <= TARGET_WAKEUPS_OVER_PAREC ? "met"
                                : "**missed by " + fmt(diff - TARGET_WAKEUPS_OVER_PAREC) + "** wake-ups per packet"});
            }
            List<Double> vsJavax = ratios.getOrDefault(sameLatencyJavax, List.of());
            if (!vsJavax.isEmpty()) {
                summary.add(new String[] {"Real capture CPU per audio s, " + label + ": ours / " + sameLatencyJavax
                        + " (same latency)", "—", fmt(median(vsJavax)) + " (rounds: "
                        + String.join(", ", vsJavax.stream().map(ResultsReport::fmt).toList()) + ")", "—"});
            }
        }
        if (!errors.isEmpty()) {
            line("Failed runs:");
            line("");
            for (String err : errors) {
                line("- " + err);
            }
            line("");
        }
        line("<details><summary>Every run</summary>");
        line("");
        line("| Round | Order | Capture | window | s | CPU s | schedstat CPU s | CPU µs/packet | wake-ups/packet | ended threads | frames / expected | disc. | max gap ms | B allocated (reads that allocated: when, how much) | start-up CPU s | detail |");
        line("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|");
        for (Object o : runs) {
            Map<String, Object> r = asMap(o);
            if (r.containsKey("error")) {
                line("| " + fmtInt(r.get("round")) + " | " + fmtInt(r.get("order")) + " | " + r.get("kind")
                        + " | failed: " + r.get("error") + " | | | | | | | | | | | | |");
                continue;
            }
            for (String window : List.of("first", "steady")) {
                Map<String, Object> w = window(r, window);
                line("| " + fmtInt(r.get("round")) + " | " + fmtInt(r.get("order")) + " | " + r.get("kind")
                        + " | " + window + " | " + fmt(num(w.get("windowSeconds"))) + " | " + fmt(num(w.get("cpuSeconds")))
                        + " | " + fmt(num(w.get("schedstatCpuSeconds"))) + " | " + fmt(num(w.get("cpuPerPacketMicros")))
                        + " | " + fmt(num(w.get("wakeupsPerPacket"))) + " | " + fmtInt(w.get("endedThreads"))
                        + " | " + fmtInt(w.get("frames")) + " / " + fmtInt(w.get("expectedFrames"))
                        + " | " + fmtInt(w.get("discontinuities")) + " | " + fmt(num(w.get("maxGapMillis")))
                        + " | " + (w.get("allocatedBytes") == null ? "n/a" : fmtInt(w.get("allocatedBytes"))
                        + " (" + fmtInt(w.get("allocatingReads")) + ": " + w.get("allocations") + ")")
                        + " | " + (window.equals("first") ? fmt(num(r.get("startupCpuSeconds"))) : "")
                        + " | " + (window.equals("first") ? detail(r) : "") + " |");
            }
        }
        line("");
        line("</details>");
        line("");

        List<Map<String, Object>> oursRuns = byKind.getOrDefault("ours", List.of());
        if (!oursRuns.isEmpty()) {
            List<Map<String, Object>> steady = windows(oursRuns, "steady");
            long allocated = (long) sum(steady, "allocatedBytes");
            long allocatingReads = (long) sum(steady, "allocatingReads");
            double packets = sum(steady, "packets");
            summary.add(new String[] {"Real capture, steady: bytes allocated per packet on ours' reading thread", "0 B",
                    allocated + " B over " + Math.round(packets) + " packets in " + steady.size() + " runs"
                            + (allocated == 0 ? "" : ", in " + allocatingReads + " reads"),
                    allocated == 0 ? "met"
                            : "**missed by " + fmtBytes(allocated / packets) + " B/packet** on average"
                            + (allocatingReads * 1000 <= packets ? "; not per packet: " + allocatingReads
                            + " of " + Math.round(packets) + " reads allocated" : "")});
            for (String window : List.of("steady", "first")) {
                List<Map<String, Object>> ws = windows(oursRuns, window);
                long discontinuities = (long) sum(ws, "discontinuities");
                long frames = (long) sum(ws, "frames");
                long expected = (long) sum(ws, "expectedFrames");
                boolean beyondJitter = false;
                for (Map<String, Object> w : ws) {
                    long shortfall = (long) (num(w.get("expectedFrames")) - num(w.get("frames")));
                    beyondJitter |= shortfall > num(w.get("maxGapMillis")) * rate / 1000;
                }
                boolean wrongSource = oursRuns.stream().anyMatch(r -> !source.equals(r.get("recordedSource")));
                summary.add(new String[] {"Real capture, " + window + ": frames delivered / expected by ours",
                        "no loss", String.format(Locale.ROOT, "%d / %d (%.4f), %d discontinuities", frames, expected,
                        (double) frames / expected, discontinuities),
                        wrongSource ? "**unknown: ours recorded another source**"
                                : discontinuities == 0 && !beyondJitter ? "met"
                                : "**missed: " + discontinuities + " discontinuities"
                                + (beyondJitter ? ", shortfall beyond the delivery jitter" : "") + "**"});
            }
        }
        for (Map.Entry<String, List<Map<String, Object>>> e : byKind.entrySet()) {
            for (Map<String, Object> r : e.getValue()) {
                if (!source.equals(r.get("recordedSource"))) {
                    line("**Warning:** " + e.getKey() + " (round " + fmtInt(r.get("round")) + ") recorded `"
                            + r.get("recordedSource") + "`, not `" + source + "`; its figures do not compare.");
                    line("");
                }
            }
        }
    }

    private static Map<String, Object> runOf(Map<String, List<Map<String, Object>>> byKind, String kind, int round) {
        for (Map<String, Object> r : byKind.getOrDefault(kind, List.of())) {
            if ((int) num(r.get("round")) == round) {
                return r;
            }
        }
        return null;
    }

    private static Map<String, Object> window(Map<String, Object> run, String window) {
        return run == null ? null : asMap(asMap(run.get("windows")).get(window));
    }

    private static List<Map<String, Object>> windows(List<Map<String, Object>> runs, String window) {
        List<Map<String, Object>> ws = new ArrayList<>();
        for (Map<String, Object> r : runs == null ? List.<Map<String, Object>>of() : runs) {
            ws.add(window(r, window));
        }
        return ws;
    }

    private static double median(List<Map<String, Object>> rs, String key) {
        return median(rs.stream().map(r -> num(r.get(key))).toList());
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String detail(Map<String, Object> run) {
        Map<String, Object> d = asMap(run.getOrDefault("detail", Map.of()));
        List<String> parts = new ArrayList<>();
        for (String key : List.of("lineBufferBytes", "streamOverruns", "poolHitRate", "latencyMsec")) {
            if (d.containsKey(key)) {
                parts.add(key + "=" + d.get(key));
            }
        }
        parts.add("source=" + run.get("recordedSource"));
        return String.join(", ", parts);
    }

    private static String bytesPerPacket(List<Map<String, Object>> rs) {
        if (rs.stream().anyMatch(r -> r.get("bytesPerPacket") == null)) {
            return "n/a (native)";
        }
        return String.format(Locale.ROOT, "%s B/packet (%s of %s reads)",
                fmtBytes(sum(rs, "allocatedBytes") / sum(rs, "packets")),
                fmtInt(sum(rs, "allocatingReads")), fmtInt(sum(rs, "reads")));
    }

    // ---- helpers ------------------------------------------------------------------

    private static String verdictAtMost(double measured, double target) {
        if (measured <= target) {
            return "met";
        }
        return String.format(Locale.ROOT, "**missed by %s** (%s× the target)", fmt(measured - target),
                fmt(measured / target));
    }

    private static String ratio(Result a, Result b) {
        if (a == null || b == null) {
            return "n/a";
        }
        double r = a.score() / b.score();
        if (Double.isNaN(a.error()) || Double.isNaN(b.error())) {
            return fmt(r); // too few iterations for JMH to give an error
        }
        double err = r * Math.sqrt(a.relError() * a.relError() + b.relError() * b.relError());
        return fmt(r) + " ± " + fmt(err);
    }

    private static String t(Result r) {
        return r == null ? "n/a" : r.time();
    }

    private static String a(Result r) {
        return r == null ? "n/a" : r.alloc();
    }

    private static String bytes(String size) {
        return String.format(Locale.ROOT, "%,d B", Long.parseLong(size)).replace(',', ' ');
    }

    private static double mean(List<Map<String, Object>> rs, String key) {
        return sum(rs, key) / rs.size();
    }

    private static double sum(List<Map<String, Object>> rs, String key) {
        double s = 0;
        for (Map<String, Object> r : rs) {
            s += num(r.get(key));
        }
        return s;
    }

    private static double min(List<Map<String, Object>> rs, String key) {
        return rs.stream().mapToDouble(r -> num(r.get(key))).min().orElse(Double.NaN);
    }

    private static double max(List<Map<String, Object>> rs, String key) {
        return rs.stream().mapToDouble(r -> num(r.get(key))).max().orElse(Double.NaN);
    }

    private static String distinct(List<Map<String, Object>> rs, String key) {
        return String.join(", ", rs.stream().map(r -> String.valueOf(r.get(key))).distinct().toList());
    }

    /** Three significant digits, no exponent for everyday magnitudes. */
    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double abs = Math.abs(v);
        if (abs >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (abs >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (abs >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (abs >= 0.01 || abs == 0) {
            return String.format(Locale.ROOT, "%.3f", v);
        }
        return String.format(Locale.ROOT, "%.2g", v);
    }

    private static String fmtBytes(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String fmtInt(Object v) {
        return v == null ? "n/a" : Long.toString(Math.round(num(v)));
    }

    private static double num(Object o) {
        if (o instanceof Number n) {
            return n.doubleValue();
        }
        if (o == null) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(String.valueOf(o)); // JMH writes "NaN" as a string
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object o) {
        return (List<Object>) o;
    }

    private void line(String s) {
        md.append(s).append('\n');
    }
}
