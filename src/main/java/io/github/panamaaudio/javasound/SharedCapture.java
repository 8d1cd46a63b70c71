package io.github.panamaaudio.javasound;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;

import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * The one {@link AudioCapture} (backend "auto") behind every Java Sound mixer and
 * line, opened when first needed and closed as soon as nothing uses it.
 *
 * <p>Lifetime: each open line (and each explicitly opened mixer) holds one
 * {@linkplain #acquire() use}; a listing of the sources holds one for its duration.
 * When the last use is {@linkplain #release() released} the capture is closed, so
 * that a JVM that enumerated mixers once keeps no connection to the audio server.
 * The capture starts no thread (the library's event thread starts only with a
 * listener, and none is added), so nothing here keeps the JVM alive; a shutdown
 * hook closes a capture still open at exit (which closes the lines' streams: their
 * readers return).
 *
 * <p>No backend (no audio server, no shim for this platform): {@link #acquire()}
 * throws, and the first such failure is logged at INFO, later ones at DEBUG. A
 * failure that can go away ({@link AudioException#isRetryable()}) is retried, at
 * most once per {@value #RETRY_AFTER_MS} ms; one that cannot is remembered.
 *
 * <p>Thread-safety: thread-safe; every method synchronizes on the instance.
 * Opening the capture happens under the lock (a second thread waits for the first
 * one's connection instead of making its own).
 */
final class SharedCapture {

    static final String CLIENT_NAME = "Java Sound (panama-audio-capture)";
    private static final long RETRY_AFTER_MS = 1000;
    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio.javasound");

    /** How the capture is opened; a seam for nothing but this class's own construction. */
    @FunctionalInterface
    interface Opener {
        AudioCapture open() throws AudioException;
    }

    private final Opener opener;
    private AudioCapture capture;     // guarded by this
    private int uses;                 // guarded by this
    private AudioException failure;   // guarded by this: the last open failure
    private long failedAtNanos;       // guarded by this
    private boolean failureLogged;    // guarded by this
    private boolean hookInstalled;    // guarded by this
    private boolean exiting;          // guarded by this

    SharedCapture(Opener opener) {
        this.opener = opener;
    }

    /** The library's defaults: backend "auto", the server libpulse finds (PULSE_SERVER, the user's runtime directory). */
    static SharedCapture auto() {
        return new SharedCapture(() -> AudioCapture.builder().backend("auto").applicationName(CLIENT_NAME).open());
    }

    /**
     * One use of the capture, opening it if none is open; pair with {@link #release()}.
     *
     * @throws AudioException why no capture can be opened ({@code BACKEND_UNAVAILABLE},
     *                        {@code NATIVE_UNAVAILABLE}, or {@code CLOSED} once the JVM exits)
     */
    synchronized AudioCapture acquire() throws AudioException {
        if (exiting) {
            throw new AudioException(AudioException.Kind.CLOSED, "the JVM is shutting down");
        }
        if (capture == null) {
            if (failure != null && (!failure.isRetryable()
                    || System.nanoTime() - failedAtNanos < TimeUnit.MILLISECONDS.toNanos(RETRY_AFTER_MS))) {
                throw new AudioException(failure.kind(), failure.getMessage(), failure);
            }
            try {
                capture = opener.open();
            } catch (AudioException e) {
                throw failed(e);
            } catch (RuntimeException | LinkageError e) {
                // e.g. IllegalCallerException under --illegal-native-access=deny: never better on a retry
                throw failed(new AudioException(AudioException.Kind.NATIVE_UNAVAILABLE,
                        "the capture library cannot be used here: " + e, e));
            }
            failure = null;
            failureLogged = false;
            if (!hookInstalled) {
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("panama-audio-javasound-exit")
                        .unstarted(this::closeAtExit));
                hookInstalled = true;
            }
        }
        uses++;
        return capture;
    }

    private AudioException failed(AudioException e) {
        failure = e;
        failedAtNanos = System.nanoTime();
        LOG.log(failureLogged ? Level.DEBUG : Level.INFO,
                "Java Sound: no Panama Audio Capture mixers, the capture cannot be opened: {0}", e.getMessage());
        failureLogged = true;
        return e;
    }

    /** Ends one use; the last one closes the capture. */
    synchronized void release() {
        if (uses == 0) {
            throw new IllegalStateException("release() without acquire()");
        }
        if (--uses == 0 && capture != null) {
            AudioCapture c = capture;
            capture = null;
            c.close();
        }
    }

    /** Whether a capture is open now (for tests and diagnostics). */
    synchronized boolean isOpen() {
        return capture != null;
    }

    private synchronized void closeAtExit() {
        exiting = true;
        if (capture != null) {
            AudioCapture c = capture;
            capture = null;
            c.close();
        }
    }
}
