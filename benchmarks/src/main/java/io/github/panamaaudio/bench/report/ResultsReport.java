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
 * {@code mode} ({@code full} or {@code quick}), {@code out} (the file to write).
 */
public final class ResultsReport {

    /** Targets, from the issue that asked for these benchmarks. */
    static final double TARGET_OURS_OVER_FLOOR = 1.2;
    static final double TARGET_CPU_OURS_OVER_JAVAX = 0.5;
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
        Files.writeString(out, report.render(optionalFile(args.get("jmh")), optionalFile(args.get("sidebyside")),
                args.get("header") == null ? "" : Files.readString(Path.of(args.get("header")))),
                StandardCharsets.UTF_8);
        System.err.println(">> wrote " + out);
    }

    private static Path optionalFile(String name) {
        return name == null ? null : Path.of(name);
    }

    private String render(Path jmhFile, Path sideBySideFile, String header) throws IOException {
        StringBuilder body = new StringBuilder();
        StringBuilder saved = new StringBuilder();
        // sections first (they fill the summary), then the page around them
        if (jmhFile != null && Files.isRegularFile(jmhFile)) {
            List<Object> jmh = asList(Json.parse(Files.readString(jmhFile)));
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
        line("- **shim read**: the `pac_stream_read` downcall alone on an identical tone stream (the C stream's");
        line("  mutex, memcpy and packet-info struct, without the Java API): *ours − shim read* is what the Java");
        line("  side adds, *shim read − floor* what the C stream adds;");
        line("- **floor**: one bare downcall, `pac_pattern_fill`, doing the same memcpy into a preallocated");
        line("  segment of a shared arena (the kind the pool hands out);");
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
            summary.add(new String[] {"Packet path: ours / floor, time per 3 840 B packet", "≤ "
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

        line("## Side-by-side capture");
        line("");
        line(String.format(Locale.ROOT, "The private PulseAudio server's `%s` (a null sink's monitor, with a 440 Hz"
                        + " sine playing into the sink) captured at %d Hz, %d channels, %s, in %d ms packets, by each"
                        + " capture in its own process, one after another, %d rounds in rotating order. Each run: %s s"
                        + " warm-up from the first data, then a %s s window.",
                setup.get("source"), rate, (int) num(setup.get("channels")), setup.get("format"),
                (int) num(setup.get("packetMillis")), (int) num(setup.get("rounds")),
                fmt(num(setup.get("warmupSeconds"))), fmt(num(setup.get("windowSeconds")))));
        line("");
        line("- **CPU**: the process's user + system CPU time over the window (all threads; the Java captures");
        line("  read `CLOCK_PROCESS_CPUTIME_ID`, parec's is summed from `/proc/<pid>/task/*/schedstat`) divided by");
        line("  the seconds of audio delivered in it;");
        line("- **allocated**: bytes allocated by the reading thread over the window");
        line("  (`com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes`) per 10 ms packet of audio, and");
        line("  how many reads allocated anything: an allocation per packet shows on every read, a one-off (the");
        line("  JIT still compiling: a loop run 100 times a second reaches C2 only after tens of seconds) on a few;");
        line("- **frames**: delivered in the window against rate × window. The window opens and closes on a read,");
        line("  so the two differ by the source's delivery jitter; a shortfall up to the largest gap between");
        line("  reads is jitter, beyond it, loss. Ours also flags every discontinuity the server reports;");
        line("- **max gap**: the longest wait between two reads (how bursty, i.e. how late, the audio arrives);");
        line("- **wake-ups**: times the process's threads were scheduled per packet (`schedstat`), which is");
        line("  what the CPU time mostly pays for.");
        line("");
        line("Captures: **ours** = this library (`next()` / `close()`, S16LE); **javax** = `javax.sound.sampled`");
        line("`TargetDataLine` on ALSA's `default` routed to the server by the pulse plugin (`ALSA_CONFIG_PATH`),");
        line("read one packet at a time into a reused `byte[]`, with the line's default buffer (`javax`) or a");
        line("given one (`javax:40` = 40 ms, the smallest for which the JDK does not poll every 1 ms, and whose");
        line("delivery is as regular as ours); **parec** = PulseAudio's recorder with `--latency-msec` = the");
        line("packet duration, the native reference.");
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
        Map<String, Double> meanCpu = new LinkedHashMap<>();
        line("| Capture | CPU s per audio s, mean (min–max) | ours / this | allocated by the reading thread | frames delivered / expected | max gap ms | wake-ups per packet | discontinuities | source recorded |");
        line("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Map.Entry<String, List<Map<String, Object>>> e : byKind.entrySet()) {
            List<Map<String, Object>> rs = e.getValue();
            if (rs.isEmpty()) {
                line("| " + e.getKey() + " | no successful run | | | | | | | |");
                continue;
            }
            meanCpu.put(e.getKey(), mean(rs, "cpuPerAudioSecond"));
        }
        Double ours = meanCpu.get("ours");
        for (Map.Entry<String, List<Map<String, Object>>> e : byKind.entrySet()) {
            List<Map<String, Object>> rs = e.getValue();
            if (rs.isEmpty()) {
                continue;
            }
            double cpu = meanCpu.get(e.getKey());
            long frames = (long) sum(rs, "frames");
            long expected = (long) sum(rs, "expectedFrames");
            line("| " + e.getKey() + " | " + String.format(Locale.ROOT, "%.5f (%.5f–%.5f)", cpu,
                    min(rs, "cpuPerAudioSecond"), max(rs, "cpuPerAudioSecond"))
                    + " | " + (ours == null ? "—" : e.getKey().equals("ours") ? "1" : fmt(ours / cpu))
                    + " | " + bytesPerPacket(rs)
                    + " | " + frames + " / " + expected + String.format(Locale.ROOT, " (%.4f)", (double) frames / expected)
                    + " | " + fmt(max(rs, "maxGapMillis"))
                    + " | " + fmt(mean(rs, "timeslicesPerPacket"))
                    + " | " + (long) sum(rs, "discontinuities")
                    + " | " + distinct(rs, "recordedSource") + " |");
        }
        line("");
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
        line("| Round | Order | Capture | window s | CPU s | CPU s per audio s | B allocated (reads that allocated: when, how much) | frames | expected | max gap ms | wake-ups per packet | process CPU s incl. start-up | detail |");
        line("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        for (Object o : runs) {
            Map<String, Object> r = asMap(o);
            if (r.containsKey("error")) {
                line("| " + fmtInt(r.get("round")) + " | " + fmtInt(r.get("order")) + " | " + r.get("kind")
                        + " | failed: " + r.get("error") + " | | | | | | | | | |");
                continue;
            }
            line("| " + fmtInt(r.get("round")) + " | " + fmtInt(r.get("order")) + " | " + r.get("kind")
                    + " | " + fmt(num(r.get("windowSeconds"))) + " | " + fmt(num(r.get("cpuSeconds")))
                    + " | " + String.format(Locale.ROOT, "%.5f", num(r.get("cpuPerAudioSecond")))
                    + " | " + (r.get("allocatedBytes") == null ? "n/a" : fmtInt(r.get("allocatedBytes"))
                            + " (" + fmtInt(r.get("allocatingReads")) + ": " + r.get("allocations") + ")")
                    + " | " + fmtInt(r.get("frames")) + " | " + fmtInt(r.get("expectedFrames"))
                    + " | " + fmt(num(r.get("maxGapMillis"))) + " | " + fmt(num(r.get("timeslicesPerPacket")))
                    + " | " + fmt(num(r.get("totalCpuSeconds"))) + " | " + detail(r) + " |");
        }
        line("");
        line("</details>");
        line("");

        // verdicts
        String source = String.valueOf(setup.get("source"));
        List<Map<String, Object>> oursRuns = byKind.getOrDefault("ours", List.of());
        for (String kind : byKind.keySet()) {
            if (!kind.startsWith("javax")) {
                continue;
            }
            Double javax = meanCpu.get(kind);
            if (ours == null || javax == null) {
                summary.add(new String[] {"Real capture CPU: ours / " + kind, "≤ " + fmt(TARGET_CPU_OURS_OVER_JAVAX),
                        "not measured", "**missed: no result**"});
                continue;
            }
            double ratio = ours / javax;
            summary.add(new String[] {"Real capture CPU: ours / " + kind + " (s per audio s, mean of "
                    + oursRuns.size() + " runs each)", "≤ " + fmt(TARGET_CPU_OURS_OVER_JAVAX),
                    fmt(ratio) + String.format(Locale.ROOT, " (%.5f / %.5f)", ours, javax),
                    verdictAtMost(ratio, TARGET_CPU_OURS_OVER_JAVAX)});
        }
        if (ours != null && meanCpu.get("parec") != null) {
            summary.add(new String[] {"Real capture CPU: ours / parec (for reference)", "—",
                    fmt(ours / meanCpu.get("parec")), "—"});
        }
        if (!oursRuns.isEmpty()) {
            long allocated = (long) sum(oursRuns, "allocatedBytes");
            long allocatingReads = (long) sum(oursRuns, "allocatingReads");
            List<String> when = new ArrayList<>();
            for (Map<String, Object> r : oursRuns) {
                when.add("round " + fmtInt(r.get("round")) + " " + r.get("allocations"));
            }
            double packets = sum(oursRuns, "frames") / (rate * num(setup.get("packetMillis")) / 1000.0);
            summary.add(new String[] {"Real capture: bytes allocated per packet on ours' reading thread", "0 B",
                    allocated + " B over " + Math.round(packets) + " packets in " + oursRuns.size() + " runs"
                            + (allocated == 0 ? "" : ", in " + allocatingReads + " reads: " + String.join("; ", when)),
                    allocated == 0 ? "met"
                            : "**missed by " + fmtBytes(allocated / packets) + " B/packet** on average"
                            + (allocatingReads * 1000 <= packets ? "; not per packet: " + allocatingReads
                            + " of " + Math.round(packets) + " reads allocated" : "")});
            long discontinuities = (long) sum(oursRuns, "discontinuities");
            long worstShortfall = 0;
            boolean beyondJitter = false;
            boolean wrongSource = false;
            for (Map<String, Object> r : oursRuns) {
                long shortfall = (long) (num(r.get("expectedFrames")) - num(r.get("frames")));
                worstShortfall = Math.max(worstShortfall, shortfall);
                if (shortfall > num(r.get("maxGapMillis")) * rate / 1000) {
                    beyondJitter = true;
                }
                wrongSource |= !source.equals(r.get("recordedSource"));
            }
            String measured = String.format(Locale.ROOT, "%d discontinuities; largest shortfall %d frames (%s ms)",
                    discontinuities, Math.max(0, worstShortfall), fmt(Math.max(0, worstShortfall) * 1000.0 / rate));
            summary.add(new String[] {"Real capture: frames lost by ours", "none", measured,
                    wrongSource ? "**unknown: ours recorded another source**"
                            : discontinuities == 0 && !beyondJitter ? "met"
                            : "**missed: " + discontinuities + " discontinuities"
                            + (beyondJitter ? ", shortfall beyond the delivery jitter" : "") + "**"});
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

    private static String detail(Map<String, Object> run) {
        Map<String, Object> d = asMap(run.getOrDefault("detail", Map.of()));
        List<String> parts = new ArrayList<>();
        for (String key : List.of("lineBufferBytes", "streamOverruns", "poolHitRate", "latencyMsec",
                "threadsAtStart", "threadsAtEnd")) {
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
        return String.format(Locale.ROOT, "%s B/packet (%s B in all; %s of %s reads allocated)",
                fmtBytes(mean(rs, "bytesPerPacket")), fmtInt(sum(rs, "allocatedBytes")),
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
