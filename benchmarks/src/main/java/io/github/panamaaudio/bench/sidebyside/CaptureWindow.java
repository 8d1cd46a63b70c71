package io.github.panamaaudio.bench.sidebyside;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The measuring protocol shared by every capture: a warm-up from the first data,
 * then a window of wall-clock time. The reader calls {@link #onRead} after each read
 * with what it delivered, until {@link #done()}; the window's snapshots (the
 * process's CPU time, the reading thread's allocated bytes) are taken inside
 * {@code onRead}, so the window is bounded by two reads and holds only whole reads.
 *
 * <p>Between the two snapshots {@code onRead} allocates nothing (comparisons,
 * additions, {@link System#nanoTime()} and the thread's allocation counter), so the
 * allocation measured is the reader's own. It notes which reads allocated, with
 * their time from the first read: a few early ones are the JIT warming up (a loop
 * that runs 100 times a second reaches C2's thresholds only after tens of seconds),
 * an allocation per packet shows on every read.
 *
 * <p>Thread-safety: confined to the reading thread.
 */
final class CaptureWindow {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final CpuClock cpu;
    private final boolean measureAllocation;
    private final long warmupNanos;
    private final long windowNanos;

    private boolean started;
    private boolean inWindow;
    private boolean done;
    private long firstNanos;
    private long lastNanos;
    private long frames;
    private long reads;

    private long startNanos, startFrames, startReads, startCpu, startAllocated;
    private int startThreads;
    private long startSlices, endSlices;
    private long endNanos, endFrames, endReads, endCpu, endAllocated;
    private long discontinuities;
    private long maxGapNanos;

    /** Allocation seen read by read, to tell a one-off (JIT warm-up) from a per-packet cost. */
    private long lastAllocated;
    private int allocatingReads;
    private final long[] allocationAtNanos = new long[4];
    private final long[] allocationBytes = new long[4];

    /**
     * @param cpu               whose CPU time to take
     * @param measureAllocation whether the calling thread's allocation is measured
     *                          (the Java readers), or not (parec, read by a pump)
     */
    CaptureWindow(CpuClock cpu, boolean measureAllocation, double warmupSeconds, double windowSeconds) {
        this.cpu = cpu;
        this.measureAllocation = measureAllocation;
        this.warmupNanos = (long) (warmupSeconds * 1e9);
        this.windowNanos = (long) (windowSeconds * 1e9);
        if (measureAllocation && !THREADS.isThreadAllocatedMemoryEnabled()) {
            THREADS.setThreadAllocatedMemoryEnabled(true);
        }
        // the first calls may initialize something; keep that out of the window
        allocated();
        cpu.nanos();
        cpu.threads();
        cpu.timeslices();
    }

    /** Records one read that delivered {@code readFrames} frames. */
    void onRead(long readFrames, boolean discontinuity) {
        long now = System.nanoTime();
        if (!started) {
            started = true;
            firstNanos = now;
        }
        frames += readFrames;
        reads++;
        if (inWindow) {
            if (discontinuity) {
                discontinuities++;
            }
            if (measureAllocation) {
                long allocatedNow = allocated();
                if (allocatedNow != lastAllocated) {
                    if (allocatingReads < allocationAtNanos.length) {
                        allocationAtNanos[allocatingReads] = now - firstNanos;
                        allocationBytes[allocatingReads] = allocatedNow - lastAllocated;
                    }
                    allocatingReads++;
                    lastAllocated = allocatedNow;
                }
            }
            maxGapNanos = Math.max(maxGapNanos, now - lastNanos);
            if (now - startNanos >= windowNanos) {
                endAllocated = allocated();
                endCpu = cpu.nanos();
                endSlices = cpu.timeslices();
                endNanos = now;
                endFrames = frames;
                endReads = reads;
                inWindow = false;
                done = true;
            }
        } else if (!done && now - firstNanos >= warmupNanos) {
            startThreads = cpu.threads();
            startSlices = cpu.timeslices();
            startNanos = now;
            startFrames = frames;
            startReads = reads;
            startCpu = cpu.nanos();
            startAllocated = allocated();
            lastAllocated = startAllocated;
            inWindow = true;
        }
        lastNanos = now;
    }

    boolean done() {
        return done;
    }

    private long allocated() {
        return measureAllocation ? THREADS.getCurrentThreadAllocatedBytes() : 0;
    }

    /**
     * The window as one line of {@code key=value} pairs, the protocol between a
     * capture process and {@link SideBySide}; {@code extra} is appended as is.
     */
    String resultLine(String kind, String extra) {
        if (!done) {
            throw new IllegalStateException("the window is not complete");
        }
        StringBuilder allocations = new StringBuilder();
        for (int i = 0; i < Math.min(allocatingReads, allocationAtNanos.length); i++) {
            allocations.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.1fs:%dB",
                    allocationAtNanos[i] / 1e9, allocationBytes[i]));
        }
        return String.format(Locale.ROOT,
                "RESULT kind=%s windowNanos=%d frames=%d reads=%d cpuNanos=%d allocatedBytes=%d allocatingReads=%d"
                        + " allocations=%s discontinuities=%d maxGapNanos=%d timeslices=%d totalCpuNanos=%d"
                        + " threadsAtStart=%d threadsAtEnd=%d %s",
                kind, endNanos - startNanos, endFrames - startFrames, endReads - startReads,
                endCpu - startCpu, measureAllocation ? endAllocated - startAllocated : -1,
                measureAllocation ? allocatingReads : -1, allocations.isEmpty() ? "-" : allocations,
                discontinuities, maxGapNanos, endSlices - startSlices, cpu.nanos(), startThreads, cpu.threads(),
                extra).trim();
    }
}
