package io.github.panamaaudio.bench.sidebyside;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A process's CPU time (user + system, all threads) in nanoseconds. Both kinds read
 * the kernel's per-thread {@code sum_exec_runtime}, at nanosecond resolution (the
 * {@code utime}/{@code stime} of {@code /proc/<pid>/stat} count 10 ms ticks, too
 * coarse for a process that uses a few milliseconds a second):
 * <ul>
 *   <li>{@link #self()}: {@code clock_gettime(CLOCK_PROCESS_CPUTIME_ID)}, through
 *       FFM; counts threads that exited too;</li>
 *   <li>{@link #ofTasks(long)}: the sum of {@code /proc/<pid>/task/*}{@code /schedstat}
 *       over the process's live threads; exact for a process whose threads do not
 *       exit (parec has one), which {@link #threads()} lets the caller check.</li>
 * </ul>
 * Not thread-safe (self() reuses one buffer); each capture uses its own.
 */
abstract class CpuClock {

    /** The current CPU time of the process, in nanoseconds. */
    abstract long nanos();

    /** Threads the process has now, or -1 when not known. */
    abstract int threads();

    /**
     * Times the process's live threads have been scheduled onto a CPU (the third
     * field of {@code schedstat}, summed): roughly, wake-ups. Explains CPU figures;
     * threads that exited are not counted.
     */
    abstract long timeslices();

    static CpuClock self() {
        return new Self();
    }

    static CpuClock ofTasks(long pid) {
        return new Tasks(Path.of("/proc", Long.toString(pid), "task"));
    }

    private static final class Self extends CpuClock {
        private static final int CLOCK_PROCESS_CPUTIME_ID = 2; // <linux/time.h>
        private final MethodHandle clockGettime;
        private final MemorySegment timespec = Arena.ofAuto().allocate(16, 8); // { long tv_sec; long tv_nsec; }

        @SuppressWarnings("restricted") // a libc downcall; the captures run with --enable-native-access
        Self() {
            Linker linker = Linker.nativeLinker();
            clockGettime = linker.downcallHandle(linker.defaultLookup().find("clock_gettime").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
        }

        @Override
        long nanos() {
            int rc;
            try {
                rc = (int) clockGettime.invokeExact(CLOCK_PROCESS_CPUTIME_ID, timespec);
            } catch (Throwable t) {
                throw new IllegalStateException("clock_gettime", t);
            }
            if (rc != 0) {
                throw new IllegalStateException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) returned " + rc);
            }
            return timespec.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L + timespec.get(ValueLayout.JAVA_LONG, 8);
        }

        private final Tasks tasks = new Tasks(Path.of("/proc/self/task"));

        @Override
        int threads() {
            return tasks.threads();
        }

        @Override
        long timeslices() {
            return tasks.timeslices();
        }
    }

    private static final class Tasks extends CpuClock {
        private final Path taskDir;

        Tasks(Path taskDir) {
            this.taskDir = taskDir;
        }

        @Override
        long nanos() {
            return sumField(0);
        }

        @Override
        long timeslices() {
            return sumField(2);
        }

        /** Sums one field of schedstat ("<ns on CPU> <ns waiting> <timeslices>") over the threads. */
        private long sumField(int field) {
            long sum = 0;
            try (Stream<Path> tasks = Files.list(taskDir)) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        String[] f = Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII)
                                .trim().split(" ");
                        sum += Long.parseLong(f[field]);
                    } catch (IOException gone) {
                        // the thread exited between the listing and the read
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + taskDir, e);
            }
            return sum;
        }

        @Override
        int threads() {
            try (Stream<Path> tasks = Files.list(taskDir)) {
                return (int) tasks.count();
            } catch (IOException e) {
                return -1;
            }
        }
    }
}
