package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioApplication;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.StreamConfig;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One backend context: the connection an {@code AudioCapture} holds for
 * enumeration and events, and the factory of its streams.
 *
 * <p>Thread-safety: {@link #devices}, {@link #applications} and {@link #openStream}
 * from any thread; {@link #nextEvent} by one thread at a time (the capture's event
 * thread); {@link #interrupt} from any thread; {@link #close} once, after the event
 * thread left {@link #nextEvent}.
 *
 * <p>(Bridge over the per-backend shim functions until the shim's context API
 * lands: no events, no applications.)
 */
public final class NativeContext implements AutoCloseable {

    private final Backend backend;
    private final CountDownLatch interrupted = new CountDownLatch(1);

    NativeContext(Backend backend) {
        this.backend = backend;
    }

    /** The backend's name ("pulse", "tone"). */
    public String backend() {
        return backend.name();
    }

    /** The devices now, inputs and outputs. */
    public List<AudioDevice> devices() throws AudioException {
        return backend.devices();
    }

    /** The applications playing now. */
    public List<AudioApplication> applications() throws AudioException {
        return List.of();
    }

    /**
     * The next event, waiting up to {@code timeoutMillis}; null on timeout.
     *
     * @throws AudioException {@code CLOSED} once {@link #interrupt()} was called,
     *                        {@code BACKEND_DISCONNECTED} if the context's connection broke
     */
    public NativeEvent nextEvent(int timeoutMillis) throws AudioException {
        try {
            if (interrupted.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new AudioException(AudioException.Kind.CLOSED, "the context is closed");
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AudioException(AudioException.Kind.CLOSED, "interrupted", e);
        }
    }

    /** Wakes {@link #nextEvent}; later calls throw CLOSED at once. Idempotent. */
    public void interrupt() {
        interrupted.countDown();
    }

    /** Opens a stream for a validated config. */
    public NativeStream openStream(StreamConfig config) throws AudioException {
        return backend.open(config);
    }

    /** Frees the context. */
    @Override
    public void close() {
        interrupt();
    }
}
