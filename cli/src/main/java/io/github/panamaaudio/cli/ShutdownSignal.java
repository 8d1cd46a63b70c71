package io.github.panamaaudio.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns SIGINT/SIGTERM (Ctrl-C, {@code kill}) into a polite stop request: a
 * shutdown hook sets {@link #requested()} and then holds the JVM's shutdown until
 * the command has finished its work (the WAV header patched, the summary printed)
 * and called {@link #close()}, at most {@link #GRACE} long.
 *
 * <p>Thread-safety: {@link #requested()} is a volatile read for the capturing
 * thread; the hook runs on a JVM shutdown thread; {@code close()} is idempotent.
 */
final class ShutdownSignal implements AutoCloseable {

    /** How long a signalled JVM waits for the command to wrap up before it halts anyway. */
    static final long GRACE_MILLIS = 10_000;

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private volatile boolean requested;

    private ShutdownSignal(String command) {
        hook = new Thread(() -> {
            requested = true;
            try {
                finished.await(GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "panama-audio-" + command + "-shutdown");
    }

    /** Installs the hook; close the signal when the command is done. */
    static ShutdownSignal install(String command) {
        ShutdownSignal signal = new ShutdownSignal(command);
        Runtime.getRuntime().addShutdownHook(signal.hook);
        return signal;
    }

    /** Whether the process was asked to stop (volatile read). */
    boolean requested() {
        return requested;
    }

    /** Lets a pending shutdown proceed and removes the hook if the JVM is not shutting down. */
    @Override
    public void close() {
        if (finished.getCount() == 0) {
            return;
        }
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: it sees the latch open and returns at once
        }
    }
}
