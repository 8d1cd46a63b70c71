package io.github.panamaaudio.bench.sidebyside;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Measures another process from outside, so that the measuring costs the measured
 * process nothing: its CPU time and its threads' wake-ups, from {@code /proc}.
 *
 * <ul>
 *   <li><b>CPU</b>: the first field of {@code /proc/<pid>/task/<tid>/schedstat}
 *       (the kernel's {@code sum_exec_runtime}, exact nanoseconds) of every thread.
 *       A thread that ends leaves {@code task/}, and its time with it, so the meter
 *       also reads the process's CPU clock ({@code clock_getcpuclockid}, see
 *       {@link LibC}): the same counter summed by the kernel over every thread,
 *       ended ones included. That clock is the CPU figure; the schedstat sum is its
 *       check, and their difference is what threads that ended ran after the
 *       meter's last look at them.</li>
 *   <li><b>Wake-ups</b>: {@code voluntary_ctxt_switches} of
 *       {@code /proc/<pid>/task/<tid>/status}, summed over every thread seen: a
 *       thread that ends counts up to its last sample. The meter samples every
 *       {@link #SAMPLE_MILLIS} ms on a thread of its own (in the measuring process),
 *       so what an ending thread did in its last moments is all that can be missed;
 *       each window says how many threads ended in it.</li>
 * </ul>
 * {@link #mark} takes a named snapshot; {@link Window#between} compares two.
 *
 * <p>Thread-safety: every method may be called from any thread (they synchronize on
 * the meter).
 */
final class ProcessMeter implements AutoCloseable {

    static final long SAMPLE_MILLIS = 100;

    /** What one thread had done when last seen. */
    private record ThreadSample(String name, long runtimeNanos, long voluntarySwitches, boolean alive) {
    }

    /** The process at one instant: its CPU clock and every thread seen so far. */
    record Snapshot(long atNanos, long cpuClockNanos, Map<Long, ThreadSample> threads) {
    }

    private final long pid;
    private final Path taskDir;
    private final LibC libc = new LibC();
    private final int clock;
    private final Map<Long, ThreadSample> threads = new HashMap<>();
    private final Map<String, Snapshot> marks = new LinkedHashMap<>();
    private final Thread sampler;
    private volatile boolean closed;

    ProcessMeter(long pid) {
        this.pid = pid;
        this.taskDir = Path.of("/proc", Long.toString(pid), "task");
        this.clock = libc.cpuClockOf(pid);
        sample();
        this.sampler = Thread.ofPlatform().daemon().name("process-meter-" + pid).start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(SAMPLE_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                synchronized (this) {
                    if (!closed) {
                        sample();
                    }
                }
            }
        });
    }

    /** Takes a snapshot named {@code name} (a later one of the same name replaces it). */
    synchronized Snapshot mark(String name) {
        Snapshot s = snapshot();
        marks.put(name, s);
        return s;
    }

    synchronized Snapshot marked(String name) {
        return marks.get(name);
    }

    private Snapshot snapshot() {
        long cpu = libc.cpuNanos(clock); // before the threads: schedstat ≤ clock, unless a thread ends in between
        sample();
        return new Snapshot(System.nanoTime(), cpu, Map.copyOf(threads));
    }

    /** Reads every live thread's counters; marks the threads no longer listed as ended. */
    private void sample() {
        Map<Long, Boolean> seen = new HashMap<>();
        try (Stream<Path> tasks = Files.list(taskDir)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                long tid = Long.parseLong(task.getFileName().toString());
                try {
                    String sched = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII);
                    long runtime = Long.parseLong(sched.substring(0, sched.indexOf(' ')));
                    long voluntary = voluntarySwitches(Files.readString(task.resolve("status"),
                            StandardCharsets.UTF_8));
                    ThreadSample old = threads.get(tid);
                    String name = old != null ? old.name()
                            : Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
                    threads.put(tid, new ThreadSample(name, runtime, voluntary, true));
                    seen.put(tid, true);
                } catch (IOException ended) {
                    // the thread ended between the listing and the read: its last sample stands
                }
            }
        } catch (IOException processEnded) {
            // the process ended: every thread's last sample stands
        }
        threads.replaceAll((tid, t) -> t.alive() && !seen.containsKey(tid)
                ? new ThreadSample(t.name(), t.runtimeNanos(), t.voluntarySwitches(), false) : t);
    }

    private static long voluntarySwitches(String status) {
        int at = status.indexOf("\nvoluntary_ctxt_switches:");
        if (at < 0) {
            throw new IllegalStateException("no voluntary_ctxt_switches in a task status");
        }
        int start = at + "\nvoluntary_ctxt_switches:".length();
        int end = status.indexOf('\n', start);
        return Long.parseLong(status.substring(start, end < 0 ? status.length() : end).strip());
    }

    @Override
    public void close() {
        closed = true;
        sampler.interrupt();
    }

    long pid() {
        return pid;
    }

    /**
     * What the process did between two snapshots.
     *
     * @param cpuNanos           the process's CPU clock: every thread, ended ones included
     * @param schedstatNanos     the schedstat sum over every thread seen (ended ones up to
     *                           their last sample): a check on {@code cpuNanos}
     * @param wakeups            voluntary context switches, every thread seen
     * @param endedThreads       threads that ended in between
     * @param wakeupsByThread    wake-ups by thread name (names with a number, such as
     *                           {@code C2 CompilerThre0}, are summed under one)
     */
    record Window(double seconds, long cpuNanos, long schedstatNanos, long wakeups, int endedThreads,
                  int threadsAtEnd, Map<String, Long> wakeupsByThread) {

        static Window between(Snapshot a, Snapshot b) {
            long runtime = 0;
            long wakeups = 0;
            int ended = 0;
            int alive = 0;
            Map<String, Long> byName = new TreeMap<>();
            for (Map.Entry<Long, ThreadSample> e : b.threads().entrySet()) {
                ThreadSample end = e.getValue();
                ThreadSample start = a.threads().get(e.getKey());
                boolean aliveAtStart = start != null && start.alive();
                if (start != null && !start.alive()) {
                    continue; // ended before the window
                }
                long dr = end.runtimeNanos() - (aliveAtStart ? start.runtimeNanos() : 0);
                long dw = end.voluntarySwitches() - (aliveAtStart ? start.voluntarySwitches() : 0);
                runtime += dr;
                wakeups += dw;
                if (end.alive()) {
                    alive++;
                } else {
                    ended++;
                }
                if (dw > 0) {
                    byName.merge(end.name().replaceAll("[#0-9]+$", "").strip(), dw, Long::sum);
                }
            }
            return new Window((b.atNanos() - a.atNanos()) / 1e9, b.cpuClockNanos() - a.cpuClockNanos(), runtime,
                    wakeups, ended, alive, byName);
        }

        /** The thread names with the most wake-ups, most first, as "name=count". */
        List<String> busiestThreads(int n) {
            return wakeupsByThread.entrySet().stream()
                    .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                    .limit(n).map(e -> e.getKey() + "=" + e.getValue()).toList();
        }
    }
}
