package io.github.panamaaudio.bench.sidebyside;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The three libc calls the measurements need, through FFM, each into memory this
 * object owns (so a call allocates nothing on the heap):
 * <ul>
 *   <li>{@code clock_getcpuclockid(pid)} + {@code clock_gettime}: the CPU time of a
 *       whole process, any process, in nanoseconds: the kernel's
 *       {@code sum_exec_runtime} of every live thread plus what the threads that
 *       already ended ran (kept in the process's signal struct). The first field of
 *       {@code /proc/<pid>/task/<tid>/schedstat} is the same counter, per live thread;
 *       {@code /proc/<pid>/schedstat} is the main thread's alone;</li>
 *   <li>{@code getrusage(RUSAGE_SELF)}: {@code ru_nvcsw}, this process's voluntary
 *       context switches, ended threads included (the per-thread
 *       {@code voluntary_ctxt_switches} of {@code /proc/<pid>/task/<tid>/status}
 *       summed, plus the ended threads').</li>
 * </ul>
 * Not thread-safe: one instance per thread that measures.
 */
final class LibC {

    /** {@code CLOCK_PROCESS_CPUTIME_ID} of {@code <linux/time.h>}: this process's CPU clock. */
    static final int CLOCK_PROCESS_CPUTIME_ID = 2;
    private static final int RUSAGE_SELF = 0;
    /**
     * {@code struct rusage} on 64-bit Linux: two {@code struct timeval} (16 B each),
     * then 14 {@code long}s, of which {@code ru_nvcsw} is the 13th.
     */
    private static final long RUSAGE_BYTES = 144;
    private static final long RU_NVCSW_OFFSET = 32 + 12 * 8;

    private static final MethodHandle CLOCK_GETTIME;
    private static final MethodHandle CLOCK_GETCPUCLOCKID;
    private static final MethodHandle GETRUSAGE;

    static {
        Linker linker = Linker.nativeLinker();
        CLOCK_GETTIME = downcall(linker, "clock_gettime",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        CLOCK_GETCPUCLOCKID = downcall(linker, "clock_getcpuclockid",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        GETRUSAGE = downcall(linker, "getrusage",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    @SuppressWarnings("restricted") // libc downcalls; every process here runs with --enable-native-access
    private static MethodHandle downcall(Linker linker, String name, FunctionDescriptor descriptor) {
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(
                () -> new IllegalStateException("libc has no " + name)), descriptor);
    }

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment timespec = arena.allocate(16, 8); // { long tv_sec; long tv_nsec; }
    private final MemorySegment clockId = arena.allocate(ValueLayout.JAVA_INT);
    private final MemorySegment rusage = arena.allocate(RUSAGE_BYTES, 8);

    /** The clock id of process {@code pid}'s CPU time (all its threads, ended ones too). */
    int cpuClockOf(long pid) {
        int rc = call(CLOCK_GETCPUCLOCKID, (int) pid, clockId);
        if (rc != 0) {
            throw new IllegalStateException("clock_getcpuclockid(" + pid + ") returned " + rc);
        }
        return clockId.get(ValueLayout.JAVA_INT, 0);
    }

    /** Nanoseconds of CPU time on {@code clock} ({@link #cpuClockOf} or {@link #CLOCK_PROCESS_CPUTIME_ID}). */
    long cpuNanos(int clock) {
        int rc = call(CLOCK_GETTIME, clock, timespec);
        if (rc != 0) {
            throw new IllegalStateException("clock_gettime(" + clock + ") returned " + rc
                    + " (has the process ended?)");
        }
        return timespec.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + timespec.get(ValueLayout.JAVA_LONG, 8);
    }

    /** This process's voluntary context switches so far, every thread, ended ones included. */
    long voluntarySwitches() {
        int rc = call(GETRUSAGE, RUSAGE_SELF, rusage);
        if (rc != 0) {
            throw new IllegalStateException("getrusage returned " + rc);
        }
        return rusage.get(ValueLayout.JAVA_LONG, RU_NVCSW_OFFSET);
    }

    private static int call(MethodHandle handle, int arg, MemorySegment out) {
        try {
            return (int) handle.invokeExact(arg, out);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
