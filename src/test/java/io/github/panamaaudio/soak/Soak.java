package io.github.panamaaudio.soak;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.PoolStats;
import io.github.panamaaudio.StreamConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak test: (a) many packets from the unpaced tone backend, as fast as they can
 * be read, then (b) minutes of real-time capture from a PulseAudio server in 10 ms
 * packets. Every packet is closed and checked (sequence without gaps; for the tone
 * its pattern bytes, for pulse increasing timestamps). A row is printed every
 * interval (and, for the unpaced phase, every 5 % of its packets): packets, errors,
 * overruns, pool counters, heap used after a full GC, process RSS, the "direct"
 * buffer pool, off-heap memory as Native Memory Tracking counts it (when the JVM
 * runs with {@code -XX:NativeMemoryTracking=summary}) and bytes the reading thread
 * allocated per packet. At the end each phase gets a verdict:
 * <ul>
 *   <li>0 errors;</li>
 *   <li>pool hit rate at least 99.9 %;</li>
 *   <li>heap used after GC and process RSS grow by less than 2 MiB from the first
 *       quarter of the phase to the last (means of the rows in each quarter).</li>
 * </ul>
 * {@link ShortSoakTest} runs the short version in the normal test run;
 * {@code scripts/soak} runs the long one.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... io.github.panamaaudio.soak.Soak
 *      [--packets N] [--minutes M | --seconds S] [--server ADDRESS] [--device NAME] [--interval SECONDS]
 * </pre>
 * Defaults: 10 000 000 packets, 5 minutes, the server from the
 * {@value AudioCapture#SERVER_PROPERTY} property or libpulse's default, the
 * server's default source, a row every 10 s. Exit status 0 when every verdict
 * passes, 1 when one fails, 2 on bad arguments.
 *
 * <p>Thread-safety: a command-line program; one instance runs on one thread.
 */
public final class Soak {

    /** Largest growth of heap-after-GC and of RSS between the first and the last quarter. */
    static final long MAX_GROWTH_BYTES = 2L * 1024 * 1024;
    /** Smallest pool hit rate. */
    static final double MIN_HIT_RATE = 0.999;

    private static final long MIB = 1024 * 1024;

    /** What to run. */
    record Options(long packets, Duration realTime, String server, String device, Duration interval) {

        static Options parse(String... args) {
            long packets = 10_000_000;
            Duration realTime = Duration.ofMinutes(5);
            String server = System.getProperty(AudioCapture.SERVER_PROPERTY);
            String device = null;
            Duration interval = Duration.ofSeconds(10);
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(option + " needs a value");
                }
                String value = args[++i];
                switch (option) {
                    case "--packets" -> packets = Long.parseLong(value);
                    case "--minutes" -> realTime = Duration.ofMillis(Math.round(Double.parseDouble(value) * 60_000));
                    case "--seconds" -> realTime = Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000));
                    case "--server" -> server = value;
                    case "--device" -> device = value;
                    case "--interval" -> interval = Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000));
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            if (packets < 0 || realTime.isNegative() || interval.toMillis() < 100) {
                throw new IllegalArgumentException("packets and time must be >= 0, interval >= 0.1 s");
            }
            return new Options(packets, realTime, server, device, interval);
        }
    }

    /** One printed row. */
    record Sample(String phase, long elapsedNanos, long packets, long errors, long overruns, PoolStats pool,
                  long heapAfterGc, long rss, long mallocInUse, long direct, long nmtOther, long nmtTotal,
                  double bytesPerPacket) {
        /**
         * Bytes the C heap has handed out and not taken back (glibc's mallinfo2: uordblks +
         * hblkhd), where a leak of the shim, libpulse or libc shows; or, without mallinfo2,
         * the RSS beyond the JVM's NMT total. Unlike the RSS it does not keep memory that was
         * freed (the JIT's compiler arenas, freed after a late compilation, stay resident in
         * glibc's heap: seen as a 4–5 MiB step of RSS at 50–60 s of a 60 s run, NMT flat).
         */
        long mallocHeld() {
            if (mallocInUse >= 0) {
                return mallocInUse;
            }
            return nmtTotal < 0 ? rss : rss - nmtTotal;
        }
    }

    /** The verdict of one phase, with its figures. */
    record Verdict(String phase, long packets, long errors, long overruns, double hitRate, long heapGrowth,
                   long rssGrowth, long mallocGrowth, long nmtOtherGrowth, long elapsedNanos, String note) {

        boolean errorsOk() {
            return errors == 0;
        }

        boolean hitRateOk() {
            return hitRate >= MIN_HIT_RATE;
        }

        boolean heapOk() {
            return heapGrowth < MAX_GROWTH_BYTES;
        }

        /**
         * A leak of the shim or of libpulse grows both the RSS and the C heap in use
         * ({@link Sample#mallocHeld()}); the RSS alone is confounded by the JVM's own memory (the
         * JIT's code cache, and compiler arenas that stay resident in glibc's heap after they
         * were freed). So the check fails only when both grew past the threshold.
         */
        boolean rssOk() {
            return rssGrowth < MAX_GROWTH_BYTES || mallocGrowth < MAX_GROWTH_BYTES;
        }

        boolean passed() {
            return errorsOk() && hitRateOk() && heapOk() && rssOk();
        }

        /** One machine-readable line; {@link ShortSoakTest} parses it. */
        String resultLine() {
            return String.format(Locale.ROOT, "RESULT phase=%s packets=%d errors=%d overruns=%d hitRate=%.6f"
                            + " heapGrowthBytes=%d rssGrowthBytes=%d mallocGrowthBytes=%d nmtOtherGrowthBytes=%d"
                            + " seconds=%.1f pass=%s",
                    phase, packets, errors, overruns, hitRate, heapGrowth, rssGrowth, mallocGrowth,
                    nmtOtherGrowth,
                    elapsedNanos / 1e9, passed());
        }

        String humanLine() {
            return String.format(Locale.ROOT, "%-8s %s: %,d packets in %.1f s, %d errors [%s], %d overruns,"
                            + " hit rate %.4f %% [%s], heap after GC %+.1f KiB [%s], RSS %+.1f KiB (C heap in use"
                            + " %+.1f KiB) [%s], NMT off-heap (Other) %+.1f KiB%s",
                    phase, passed() ? "PASS" : "FAIL", packets, elapsedNanos / 1e9, errors, ok(errorsOk()), overruns,
                    hitRate * 100, ok(hitRateOk()), heapGrowth / 1024.0, ok(heapOk()), rssGrowth / 1024.0,
                    mallocGrowth / 1024.0, ok(rssOk()), nmtOtherGrowth / 1024.0, note.isEmpty() ? "" : "; " + note);
        }

        private static String ok(boolean ok) {
            return ok ? "ok" : "FAIL";
        }
    }

    private final Options options;
    private final PrintStream out;
    private final Probes probes = new Probes();
    private final List<Sample> samples = new ArrayList<>();

    Soak(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("soak: " + e.getMessage());
            System.err.println("usage: Soak [--packets N] [--minutes M | --seconds S] [--server ADDRESS]"
                    + " [--device NAME] [--interval SECONDS]");
            System.exit(2);
            return;
        }
        List<Verdict> verdicts = new Soak(options, System.out).run();
        System.exit(verdicts.stream().allMatch(Verdict::passed) ? 0 : 1);
    }

    /** Runs both phases (a phase with nothing to do is skipped) and prints the verdicts. */
    List<Verdict> run() throws AudioException {
        out.printf(Locale.ROOT, "soak: %,d unpaced tone packets, then %s of real-time pulse capture (server %s,"
                        + " device %s); a row every %d s%n", options.packets(), human(options.realTime()),
                options.server() == null ? "libpulse's default" : options.server(),
                options.device() == null ? "the default source" : options.device(),
                options.interval().toSeconds());
        out.println("java " + System.getProperty("java.version") + ", " + Runtime.getRuntime().availableProcessors()
                + " CPUs, max heap " + Runtime.getRuntime().maxMemory() / MIB + " MiB, NMT "
                + (probes.nmtOther() >= 0 ? "on" : "off (run with -XX:NativeMemoryTracking=summary)"));
        out.println("JVM options: " + String.join(" ", probes.jvmOptions()));
        out.println();
        out.println(header());
        List<Verdict> verdicts = new ArrayList<>();
        if (options.packets() > 0) {
            verdicts.add(unpaced());
        }
        if (!options.realTime().isZero()) {
            verdicts.add(realTime());
        }
        out.println();
        for (Verdict v : verdicts) {
            out.println(v.humanLine());
        }
        for (Verdict v : verdicts) {
            out.println(v.resultLine());
        }
        boolean passed = verdicts.stream().allMatch(Verdict::passed);
        out.printf(Locale.ROOT, "SOAK %s (thresholds: 0 errors, hit rate >= %.1f %%, heap-after-GC and RSS growth"
                + " < %d MiB from the first to the last quarter of each phase)%n", passed ? "PASS" : "FAIL",
                MIN_HIT_RATE * 100, MAX_GROWTH_BYTES / MIB);
        long realMinutes = options.realTime().toMinutes();
        if (realMinutes < 60) {
            out.println("The predecessor's goal was one hour of real-time capture: run scripts/soak --minutes 60"
                    + " (about 61 minutes here, plus the unpaced phase).");
        }
        return verdicts;
    }

    // ------------------------------------------------------------------ phase (a): unpaced tone

    private Verdict unpaced() throws AudioException {
        String phase = "unpaced";
        long total = options.packets();
        long step = Math.max(1, total / 20);
        long errors = 0;
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(StreamConfig.builder().device("pattern?paced=false")
                     .name("soak-unpaced").build())) {
            int frameBytes = stream.config().frameBytes();
            long start = System.nanoTime();
            long nextRowAt = start + options.interval().toNanos();
            long nextRowPackets = step;
            long expectedSequence = 0;
            probes.startAllocationCount();
            for (long n = 1; n <= total; n++) {
                try (AudioPacket p = stream.next()) {
                    if (p.sequence() != expectedSequence) {
                        errors++;
                    }
                    expectedSequence = p.sequence() + 1;
                    byte first = p.segment().get(ValueLayout.JAVA_BYTE, 0);
                    if (first != (byte) (p.position() * frameBytes % 251)) {
                        errors++;
                    }
                } catch (AudioException e) {
                    errors++;
                    out.println("error: " + e);
                }
                long now = System.nanoTime();
                if (n == nextRowPackets || n == total || now - nextRowAt >= 0) {
                    row(phase, now - start, stream.packets(), errors, stream.overruns(), stream.poolStats());
                    nextRowAt = System.nanoTime() + options.interval().toNanos();
                    nextRowPackets = Math.min(total, (n / step + 1) * step);
                }
            }
            return verdict(phase, stream.packets(), errors, stream.overruns(), stream.poolStats(), "");
        }
    }

    // ------------------------------------------------------------------ phase (b): real-time pulse

    private Verdict realTime() throws AudioException {
        String phase = "realtime";
        long errors = 0;
        long nonSilent = 0;
        long reopened = 0;
        long packets = 0;
        long overruns = 0;
        StreamConfig config = StreamConfig.builder()
                .source(options.device() == null ? StreamConfig.Source.defaultInput()
                        : StreamConfig.Source.device(options.device()))
                .packetDuration(Duration.ofMillis(10)).name("soak-realtime").build();
        try (AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", options.server()).open()) {
            AudioStream stream = capture.openStream(config);
            try {
                long start = System.nanoTime();
                long end = start + options.realTime().toNanos();
                long nextRowAt = start + options.interval().toNanos();
                long expectedSequence = 0;
                long lastTimestamp = Long.MIN_VALUE;
                probes.startAllocationCount();
                long now;
                while ((now = System.nanoTime()) - end < 0) {
                    try (AudioPacket p = stream.next()) {
                        if (p.sequence() != expectedSequence || p.timestampNanos() <= lastTimestamp) {
                            errors++;
                        }
                        expectedSequence = p.sequence() + 1;
                        lastTimestamp = p.timestampNanos();
                        if (!p.isSilent()) {
                            nonSilent++;
                        }
                    } catch (AudioException e) {
                        // count it, and carry on with a new stream: a soak should see how often, not stop
                        errors++;
                        out.println("error: " + e);
                        packets += stream.packets();
                        overruns += stream.overruns();
                        stream.close();
                        sleep(100);
                        stream = capture.openStream(config);
                        reopened++;
                        expectedSequence = 0;
                        lastTimestamp = Long.MIN_VALUE;
                    }
                    now = System.nanoTime();
                    if (now - nextRowAt >= 0 || now - end >= 0) {
                        row(phase, now - start, packets + stream.packets(), errors, overruns + stream.overruns(),
                                stream.poolStats());
                        nextRowAt += options.interval().toNanos();
                    }
                }
                packets += stream.packets();
                overruns += stream.overruns();
                String note = String.format(Locale.ROOT, "%,d non-silent packets%s", nonSilent,
                        reopened == 0 ? "" : ", stream reopened " + reopened + " times");
                if (nonSilent == 0 && packets > 0) {
                    errors++;
                    note += ", ERROR: every packet was silent";
                }
                return verdict(phase, packets, errors, overruns, stream.poolStats(), note);
            } finally {
                stream.close();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ rows and verdicts

    private static String header() {
        return String.format(Locale.ROOT, "| %-8s | %7s | %11s | %9s | %3s | %4s | %8s | %4s | %5s | %5s | %9s | %9s"
                        + " | %7s | %9s | %5s |",
                "phase", "t [s]", "packets", "pkt/s", "err", "ovr", "hit %", "pool", "inUse", "leaks",
                "heap KiB", "RSS KiB", "dir KiB", "NMT KiB", "B/pkt")
                + "\n|" + "---|".repeat(15);
    }

    private void row(String phase, long elapsedNanos, long packets, long errors, long overruns, PoolStats pool) {
        double bytesPerPacket = probes.allocatedBytesPerPacket(packets);
        long heap = probes.heapUsedAfterGc();
        Sample previous = samples.isEmpty() || !samples.getLast().phase().equals(phase) ? null : samples.getLast();
        Sample s = new Sample(phase, elapsedNanos, packets, errors, overruns, pool, heap, probes.rss(),
                probes.mallocInUse(), probes.directBytes(), probes.nmtOther(), probes.nmtTotal(), bytesPerPacket);
        samples.add(s);
        double seconds = (elapsedNanos - (previous == null ? 0 : previous.elapsedNanos())) / 1e9;
        double rate = (packets - (previous == null ? 0 : previous.packets())) / Math.max(seconds, 1e-9);
        out.println(String.format(Locale.ROOT, "| %-8s | %7.1f | %11d | %9.0f | %3d | %4d | %8.4f | %4d | %5d | %5d"
                        + " | %9d | %9d | %7d | %9s | %5s |",
                phase, elapsedNanos / 1e9, packets, rate, errors, overruns, pool.hitRate() * 100,
                pool.currentPoolSize(), pool.inUse(), pool.leaks(), heap / 1024, s.rss() / 1024, s.direct() / 1024,
                s.nmtOther() < 0 ? "-" : Long.toString(s.nmtOther() / 1024),
                Double.isNaN(bytesPerPacket) ? "-" : String.format(Locale.ROOT, "%.1f", bytesPerPacket)));
        out.flush();
        probes.restartAllocationCount(packets);
    }

    private Verdict verdict(String phase, long packets, long errors, long overruns, PoolStats pool, String note) {
        List<Sample> rows = samples.stream().filter(s -> s.phase().equals(phase)).toList();
        long elapsed = rows.isEmpty() ? 0 : rows.getLast().elapsedNanos();
        List<Sample> first = rows.stream().filter(s -> s.elapsedNanos() <= elapsed / 4).toList();
        List<Sample> last = rows.stream().filter(s -> s.elapsedNanos() >= elapsed - elapsed / 4).toList();
        if (first.isEmpty() && !rows.isEmpty()) {
            first = List.of(rows.getFirst());
        }
        long heapGrowth = growth(first, last, Sample::heapAfterGc);
        long rssGrowth = growth(first, last, Sample::rss);
        long mallocGrowth = growth(first, last, Sample::mallocHeld);
        long nmtGrowth = rows.isEmpty() || rows.getFirst().nmtOther() < 0 ? 0 : growth(first, last, Sample::nmtOther);
        String quarters = String.format(Locale.ROOT, "quarters: rows %d..%d vs %d..%d", 1, first.size(),
                rows.size() - last.size() + 1, rows.size());
        return new Verdict(phase, packets, errors, overruns, pool.hitRate(), heapGrowth, rssGrowth,
                mallocGrowth, nmtGrowth,
                elapsed, note.isEmpty() ? quarters : note + ", " + quarters);
    }

    private static long growth(List<Sample> first, List<Sample> last, java.util.function.ToLongFunction<Sample> f) {
        if (first.isEmpty() || last.isEmpty()) {
            return 0;
        }
        double a = first.stream().mapToLong(f).average().orElse(0);
        double b = last.stream().mapToLong(f).average().orElse(0);
        return Math.round(b - a);
    }

    private static String human(Duration d) {
        return d.toSeconds() % 60 == 0 && d.toMinutes() > 0 ? d.toMinutes() + " min" : d.toMillis() / 1000.0 + " s";
    }

    // ------------------------------------------------------------------ measurements

    /**
     * Memory probes. java.lang.management is reached reflectively: the test sources
     * are compiled into the library's module, which does not read java.management
     * (the library itself needs nothing but java.base); the soak runs on the class
     * path, where reflection reaches it.
     */
    static final class Probes {
        private static final Pattern VM_RSS = Pattern.compile("^VmRSS:\\s+(\\d+) kB$", Pattern.MULTILINE);
        /** mallinfo2(): ten size_t fields; uordblks (index 7) and hblkhd (index 4) are the bytes in use. */
        private static final StructLayout MALLINFO2 = MemoryLayout.structLayout(
                MemoryLayout.sequenceLayout(10, ValueLayout.JAVA_LONG));
        private static final MethodHandle MALLINFO2_CALL = mallinfo2();
        private static final Pattern NMT_OTHER = Pattern.compile("-\\s+Other \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
        private static final Pattern NMT_TOTAL = Pattern.compile("Total: reserved=(\\d+)KB, committed=(\\d+)KB");

        private final Object directPool;
        private final Method directUsed;
        /** (ThreadMXBean)long, called with invokeExact: no boxing, so it does not count itself. */
        private final MethodHandle threadAllocated;
        private final Object mbeanServer;
        private final Object diagnosticCommand;
        private final Method invoke;
        private long allocatedAtStart;
        private long packetsAtStart;

        Probes() {
            Object pool = null;
            Method used = null;
            MethodHandle allocated = null;
            Object server = null;
            Object diagnostic = null;
            Method invokeMethod = null;
            try {
                Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
                Class<?> bufferPoolBean = Class.forName("java.lang.management.BufferPoolMXBean");
                List<?> pools = (List<?>) factory.getMethod("getPlatformMXBeans", Class.class).invoke(null, bufferPoolBean);
                Method name = bufferPoolBean.getMethod("getName");
                for (Object p : pools) {
                    if ("direct".equals(name.invoke(p))) {
                        pool = p;
                        used = bufferPoolBean.getMethod("getMemoryUsed");
                    }
                }
                Object threads = factory.getMethod("getThreadMXBean").invoke(null);
                allocated = MethodHandles.publicLookup()
                        .unreflect(Class.forName("com.sun.management.ThreadMXBean")
                                .getMethod("getCurrentThreadAllocatedBytes"))
                        .bindTo(threads).asType(MethodType.methodType(long.class));
                server = factory.getMethod("getPlatformMBeanServer").invoke(null);
                diagnostic = Class.forName("javax.management.ObjectName").getConstructor(String.class)
                        .newInstance("com.sun.management:type=DiagnosticCommand");
                invokeMethod = Class.forName("javax.management.MBeanServerConnection").getMethod("invoke",
                        Class.forName("javax.management.ObjectName"), String.class, Object[].class, String[].class);
            } catch (ReflectiveOperationException | RuntimeException e) {
                System.err.println("soak: some memory probes are unavailable: " + e);
            }
            directPool = pool;
            directUsed = used;
            threadAllocated = allocated;
            mbeanServer = server;
            diagnosticCommand = diagnostic;
            invoke = invokeMethod;
        }

        /** The JVM's own command-line options (RuntimeMXBean), or an empty list. */
        List<String> jvmOptions() {
            try {
                Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
                Object runtime = factory.getMethod("getRuntimeMXBean").invoke(null);
                List<?> args = (List<?>) Class.forName("java.lang.management.RuntimeMXBean")
                        .getMethod("getInputArguments").invoke(runtime);
                return args.stream().map(String::valueOf).toList();
            } catch (ReflectiveOperationException | RuntimeException e) {
                return List.of();
            }
        }

        /** Heap in use right after a full collection. */
        long heapUsedAfterGc() {
            System.gc();
            Runtime rt = Runtime.getRuntime();
            return rt.totalMemory() - rt.freeMemory();
        }

        /** Resident set size of this process (VmRSS), or -1. */
        long rss() {
            try {
                Matcher m = VM_RSS.matcher(Files.readString(Path.of("/proc/self/status")));
                return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
            } catch (IOException e) {
                return -1;
            }
        }

        private static MethodHandle mallinfo2() {
            try {
                Linker linker = Linker.nativeLinker();
                return linker.defaultLookup().find("mallinfo2")
                        .map(f -> linker.downcallHandle(f, FunctionDescriptor.of(MALLINFO2)))
                        .orElse(null);
            } catch (RuntimeException e) {
                System.err.println("soak: mallinfo2 unavailable: " + e);
                return null;
            }
        }

        /** Bytes glibc's allocator has handed out and not taken back (all arenas and mmap'd chunks), or -1. */
        long mallocInUse() {
            if (MALLINFO2_CALL == null) {
                return -1;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment info = (MemorySegment) MALLINFO2_CALL.invokeExact((SegmentAllocator) arena);
                return info.getAtIndex(ValueLayout.JAVA_LONG, 7) + info.getAtIndex(ValueLayout.JAVA_LONG, 4);
            } catch (Throwable e) {
                return -1;
            }
        }

        /** Bytes in the JVM's "direct" buffer pool (ByteBuffer.allocateDirect; FFM arenas are not in it). */
        long directBytes() {
            try {
                return directPool == null ? -1 : (long) directUsed.invoke(directPool);
            } catch (ReflectiveOperationException e) {
                return -1;
            }
        }

        /**
         * Committed off-heap memory of NMT's "Other" category, where FFM arenas and
         * Unsafe.allocateMemory land; -1 when NMT is off.
         */
        long nmtOther() {
            return nmtCommitted(NMT_OTHER);
        }

        /** Everything the JVM has committed (NMT's total), heap and code cache included; -1 when NMT is off. */
        long nmtTotal() {
            return nmtCommitted(NMT_TOTAL);
        }

        private long nmtCommitted(Pattern line) {
            if (invoke == null) {
                return -1;
            }
            try {
                String summary = (String) invoke.invoke(mbeanServer, diagnosticCommand, "vmNativeMemory",
                        new Object[] {new String[] {"summary"}}, new String[] {String[].class.getName()});
                Matcher m = line.matcher(summary);
                return m.find() ? Long.parseLong(m.group(2)) * 1024 : -1;
            } catch (ReflectiveOperationException | RuntimeException e) {
                return -1;
            }
        }

        private long threadAllocatedBytes() {
            if (threadAllocated == null) {
                return -1;
            }
            try {
                return (long) threadAllocated.invokeExact();
            } catch (Throwable e) {
                return -1;
            }
        }

        void startAllocationCount() {
            restartAllocationCount(0);
        }

        void restartAllocationCount(long packets) {
            allocatedAtStart = threadAllocatedBytes();
            packetsAtStart = packets;
        }

        /** Bytes this thread allocated per packet since the last restart, or NaN. */
        double allocatedBytesPerPacket(long packets) {
            long now = threadAllocatedBytes();
            if (now < 0 || allocatedAtStart < 0 || packets <= packetsAtStart) {
                return Double.NaN;
            }
            return (double) (now - allocatedAtStart) / (packets - packetsAtStart);
        }
    }

    @Override
    public String toString() {
        return "Soak" + options;
    }
}
