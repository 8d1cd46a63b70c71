package io.github.panamaaudio.bench.sidebyside;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The measuring protocol shared by every capture: windows of wall-clock time placed
 * from the first read that delivered data, each opened and closed on a read, so a
 * window holds only whole reads. Two windows by default ({@link #standard}):
 * {@code first}, the first seconds after start (the JIT still cold: a loop run 100
 * times a second reaches C2 only after tens of seconds), and {@code steady}, after a
 * warm-up.
 *
 * <p>The reader calls {@link #onRead} after each read until {@link #done()}. When a
 * window opens or closes, {@code onRead} tells its {@link Marks} (a capture process
 * writes a line to its stdout, on which {@link SideBySide} snapshots the process
 * from outside with {@link ProcessMeter}). In the Java captures it also takes the
 * in-process figures at the same read: the process CPU clock and
 * {@code getrusage}'s voluntary switches (both count ended threads; the checks of
 * the outside figures) and the reading thread's allocated bytes, noting which reads
 * allocated (a few early ones are the JIT; a per-packet allocation shows on every
 * read).
 *
 * <p>{@code onRead} allocates nothing (comparisons, additions, {@link System#nanoTime()},
 * the thread's allocation counter, two libc downcalls into preallocated memory, and
 * the marks, which write preallocated bytes), so the allocation measured is the
 * reader's own.
 *
 * <p>Thread-safety: confined to the reading thread.
 */
final class CaptureTimeline {

    /** Told when window {@code index} opens ({@code end == false}) or closes. */
    interface Marks {
        void mark(int index, boolean end);
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final int NOTED_ALLOCATIONS = 4;

    /** One window; fields are the counters at its edges. */
    static final class Window {
        final String name;
        final long fromNanos;
        final long lengthNanos;
        boolean open;
        boolean closed;
        long startNanos, startFrames, startReads, startCpu, startSwitches, startAllocated;
        long endNanos, endFrames, endReads, endCpu, endSwitches, endAllocated;
        long discontinuities;
        long maxGapNanos;
        long lastAllocated;
        int allocatingReads;
        final long[] allocationAtNanos = new long[NOTED_ALLOCATIONS];
        final long[] allocationBytes = new long[NOTED_ALLOCATIONS];

        Window(String name, double fromSeconds, double lengthSeconds) {
            this.name = name;
            this.fromNanos = (long) (fromSeconds * 1e9);
            this.lengthNanos = (long) (lengthSeconds * 1e9);
        }
    }

    private final Window[] windows;
    private final Marks marks;
    private final LibC self;
    private final boolean inProcess;
    /**
     * Whether onRead asks for the thread's allocated bytes on every read (to name the
     * reads that allocate): a JNI call into the JVM per packet, which costs the measured
     * process CPU that parec does not pay. Off by default: the CPU rounds take the
     * window's total allocation only; {@code -Dbench.allocationsPerRead=true} turns it on.
     */
    private static final boolean PER_READ_ALLOCATIONS = Boolean.getBoolean("bench.allocationsPerRead");

    private boolean started;
    private long firstNanos;
    private long lastNanos;
    private long frames;
    private long reads;
    private int closedWindows;

    /**
     * @param inProcess whether to take the in-process figures (the Java captures), or not
     *                  (parec, whose output a pump in the harness reads)
     */
    CaptureTimeline(Marks marks, boolean inProcess, Window... windows) {
        this.windows = windows;
        this.marks = marks;
        this.inProcess = inProcess;
        this.self = inProcess ? new LibC() : null;
        if (inProcess && !THREADS.isThreadAllocatedMemoryEnabled()) {
            THREADS.setThreadAllocatedMemoryEnabled(true);
        }
        // the first calls may initialize something; keep that out of the windows
        allocated();
        cpu();
        switches();
    }

    /** {@code first}: [0, firstSeconds] from the first data; {@code steady}: [warmup, warmup + seconds]. */
    static CaptureTimeline standard(Marks marks, boolean inProcess, double firstSeconds, double warmupSeconds,
                                    double seconds) {
        return new CaptureTimeline(marks, inProcess, new Window("first", 0, firstSeconds),
                new Window("steady", warmupSeconds, seconds));
    }

    /** Records one read that delivered {@code readFrames} frames. */
    void onRead(long readFrames, boolean discontinuity) {
        long now = System.nanoTime();
        if (!started) {
            started = true;
            firstNanos = now;
            lastNanos = now;
        }
        frames += readFrames;
        reads++;
        long sinceFirst = now - firstNanos;
        for (int i = 0; i < windows.length; i++) {
            Window w = windows[i];
            if (w.open) {
                if (discontinuity) {
                    w.discontinuities++;
                }
                if (inProcess && PER_READ_ALLOCATIONS) {
                    long allocatedNow = allocated();
                    if (allocatedNow != w.lastAllocated) {
                        if (w.allocatingReads < NOTED_ALLOCATIONS) {
                            w.allocationAtNanos[w.allocatingReads] = sinceFirst;
                            w.allocationBytes[w.allocatingReads] = allocatedNow - w.lastAllocated;
                        }
                        w.allocatingReads++;
                        w.lastAllocated = allocatedNow;
                    }
                }
                w.maxGapNanos = Math.max(w.maxGapNanos, now - lastNanos);
                if (now - w.startNanos >= w.lengthNanos) {
                    w.endAllocated = allocated();
                    w.endCpu = cpu();
                    w.endSwitches = switches();
                    w.endNanos = now;
                    w.endFrames = frames;
                    w.endReads = reads;
                    w.open = false;
                    w.closed = true;
                    closedWindows++;
                    marks.mark(i, true);
                }
            } else if (!w.closed && sinceFirst >= w.fromNanos) {
                marks.mark(i, false);
                w.startNanos = now;
                w.startFrames = frames;
                w.startReads = reads;
                w.startSwitches = switches();
                w.startCpu = cpu();
                w.startAllocated = allocated();
                w.lastAllocated = w.startAllocated;
                w.open = true;
            }
        }
        lastNanos = now;
    }

    boolean done() {
        return closedWindows == windows.length;
    }

    String windowName(int index) {
        return windows[index].name;
    }

    int windowCount() {
        return windows.length;
    }

    private long allocated() {
        return inProcess ? THREADS.getCurrentThreadAllocatedBytes() : 0;
    }

    private long cpu() {
        return inProcess ? self.cpuNanos(LibC.CLOCK_PROCESS_CPUTIME_ID) : 0;
    }

    private long switches() {
        return inProcess ? self.voluntarySwitches() : 0;
    }

    /**
     * Every window as one line of {@code key=value} pairs ({@code <window>.<figure>}),
     * the protocol between a capture process and {@link SideBySide}; {@code extra}
     * is appended as is. In-process figures are -1 where not taken.
     */
    String resultLine(String kind, String extra) {
        if (!done()) {
            throw new IllegalStateException("the windows are not complete");
        }
        StringBuilder sb = new StringBuilder("RESULT kind=").append(kind);
        for (Window w : windows) {
            StringBuilder allocations = new StringBuilder();
            for (int i = 0; i < Math.min(w.allocatingReads, NOTED_ALLOCATIONS); i++) {
                allocations.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1fs:%dB",
                        w.allocationAtNanos[i] / 1e9, w.allocationBytes[i]));
            }
            String p = " " + w.name + ".";
            sb.append(p).append("windowNanos=").append(w.endNanos - w.startNanos)
                    .append(p).append("frames=").append(w.endFrames - w.startFrames)
                    .append(p).append("reads=").append(w.endReads - w.startReads)
                    .append(p).append("discontinuities=").append(w.discontinuities)
                    .append(p).append("maxGapNanos=").append(w.maxGapNanos)
                    .append(p).append("inProcessCpuNanos=").append(inProcess ? w.endCpu - w.startCpu : -1)
                    .append(p).append("inProcessWakeups=").append(inProcess ? w.endSwitches - w.startSwitches : -1)
                    .append(p).append("allocatedBytes=").append(inProcess ? w.endAllocated - w.startAllocated : -1)
                    .append(p).append("allocatingReads=").append(inProcess ? w.allocatingReads : -1)
                    .append(p).append("allocations=").append(allocations.isEmpty() ? "-" : allocations);
        }
        if (!extra.isBlank()) {
            sb.append(' ').append(extra.trim());
        }
        return sb.toString();
    }

    /**
     * Marks written to this process's stdout as {@code MARK <window>:start|end} lines,
     * from bytes prepared here, without allocating. Bypasses {@code System.out}, whose
     * buffer is flushed before anything else is printed.
     */
    static Marks stdoutMarks(String... windowNames) {
        byte[][] lines = new byte[windowNames.length * 2][];
        for (int i = 0; i < windowNames.length; i++) {
            lines[2 * i] = ("MARK " + windowNames[i] + ":start\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            lines[2 * i + 1] = ("MARK " + windowNames[i] + ":end\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        System.out.flush();
        java.io.FileOutputStream out = new java.io.FileOutputStream(java.io.FileDescriptor.out);
        return (index, end) -> {
            try {
                out.write(lines[2 * index + (end ? 1 : 0)]);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("writing a mark to stdout", e);
            }
        };
    }
}
