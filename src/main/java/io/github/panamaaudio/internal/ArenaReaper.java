package io.github.panamaaudio.internal;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Frees shared arenas as soon as no I/O or foreign call uses them any more: the deferred half
 * of every close in this library.
 *
 * <p>{@link Arena#close()} of a shared arena throws {@link IllegalStateException} while
 * a thread is inside an I/O call on one of its segments (e.g. a
 * {@code FileChannel.write(segment.asByteBuffer())} blocked on a full pipe holds the
 * arena "acquired"). Freeing the memory then would free it under that thread, so it
 * must wait; leaving it open would leak it. {@link #close(List, Runnable)} closes what
 * it can at once and hands the rest to one daemon thread that retries, with a backoff
 * from 1 ms to 100 ms, until every arena is closed, in order, and then runs the
 * follow-up. Nothing is ever freed while acquired (the JDK guarantees it: close fails
 * then) and nothing is given up.
 *
 * <p>Thread-safety: thread-safe; any thread may call {@link #close(List, Runnable)}.
 * The follow-up runs on the calling thread when nothing had to wait, else on the
 * reaper thread.
 */
public final class ArenaReaper {

    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio");
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long LAST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private ArenaReaper() {
    }

    private static final class Holder {
        static final ScheduledExecutorService EXECUTOR = create();

        private static ScheduledExecutorService create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "panama-audio-arena-reaper");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true);
            return e;
        }
    }

    /**
     * Closes {@code arenas} in list order, then runs {@code then} (may be null). An
     * arena that is acquired by an I/O or foreign call right now, and every one after it, is
     * closed later, as soon as it can be; an arena closed already counts as closed.
     *
     * @return {@code true} if everything was done before returning
     */
    public static boolean close(List<Arena> arenas, Runnable then) {
        Objects.requireNonNull(arenas, "arenas");
        Task task = new Task(List.copyOf(arenas), then);
        if (task.tryFinish()) {
            return true;
        }
        task.schedule();
        return false;
    }

    /**
     * Tries to close one arena.
     *
     * @return {@code true} if it is closed now (by this call or before)
     */
    public static boolean tryClose(Arena arena) {
        try {
            arena.close();
            return true;
        } catch (IllegalStateException e) {
            return !arena.scope().isAlive(); // closed already; otherwise acquired by an I/O or foreign call
        }
    }

    private static final class Task implements Runnable {
        private final List<Arena> arenas;
        private final Runnable then;
        private int next;       // arenas before it are closed; confined to the thread running the task
        private long delayNanos = FIRST_RETRY_NANOS;

        Task(List<Arena> arenas, Runnable then) {
            this.arenas = arenas;
            this.then = then;
        }

        boolean tryFinish() {
            while (next < arenas.size()) {
                if (!tryClose(arenas.get(next))) {
                    return false;
                }
                next++;
            }
            if (then != null) {
                then.run();
            }
            return true;
        }

        void schedule() {
            Holder.EXECUTOR.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
            delayNanos = Math.min(LAST_RETRY_NANOS, delayNanos * 2);
        }

        @Override
        public void run() {
            boolean done;
            try {
                done = tryFinish();
            } catch (RuntimeException | Error e) {
                LOG.log(Level.ERROR, "a deferred close failed", e);
                done = true;
            }
            if (!done) {
                schedule();
            }
        }
    }
}
