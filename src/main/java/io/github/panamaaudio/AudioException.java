package io.github.panamaaudio;

import java.util.Objects;

/**
 * The one exception of the capture API: a {@link Kind} says what went wrong and
 * whether trying again can help.
 *
 * <p>Thread-safety: immutable, safe to share.
 *
 * <p>Overruns are not exceptions: a packet that follows lost data carries
 * {@link AudioPacket#isDiscontinuity()} and the stream counts it.
 */
public final class AudioException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong. Each constant says whether a retry can help. */
    public enum Kind {
        /**
         * The backend cannot be used here: its system library is missing or no
         * audio server answers. Retrying helps once a server runs.
         */
        BACKEND_UNAVAILABLE(true),
        /**
         * No device has the requested id, or no process the requested process id (an
         * application asked for by name is waited for instead). Retrying the same id
         * does not help.
         */
        DEVICE_NOT_FOUND(false),
        /** The server refused the sample format, rate or channel count. Retrying does not help. */
        FORMAT_UNSUPPORTED(false),
        /**
         * The captured device went away while the stream was open (unplugged, module
         * unloaded). Opening a new stream on another device, or on the same one once
         * it is back, can help.
         */
        DEVICE_LOST(true),
        /**
         * The connection to the backend broke (the audio server was killed or
         * restarted, the audio service stopped). Opening a new capture once it is
         * back helps.
         */
        BACKEND_DISCONNECTED(true),
        /** The stream or capture was closed, possibly by another thread. Retrying does not help. */
        CLOSED(false),
        /**
         * The C shim could not be loaded or used (missing
         * {@code --enable-native-access}, unsupported platform). Retrying does not help.
         */
        NATIVE_UNAVAILABLE(false),
        /** A bug or an unexpected failure in C. Retrying is unlikely to help; please report it. */
        INTERNAL(false);

        private final boolean retryable;

        Kind(boolean retryable) {
            this.retryable = retryable;
        }

        /** {@return whether opening again later can succeed} */
        public boolean isRetryable() {
            return retryable;
        }
    }

    /** What went wrong; never null. */
    private final Kind kind;

    /**
     * An exception of a kind, with a message for people.
     *
     * @param kind    what went wrong
     * @param message what was attempted and why it failed
     * @throws NullPointerException if {@code kind} is null
     */
    public AudioException(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /**
     * An exception of a kind, with a message for people and the failure that caused it.
     *
     * @param kind    what went wrong
     * @param message what was attempted and why it failed
     * @param cause   the underlying failure, or null
     * @throws NullPointerException if {@code kind} is null
     */
    public AudioException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** {@return what went wrong} */
    public Kind kind() {
        return kind;
    }

    /** {@return whether a retry can help} Shorthand for {@code kind().isRetryable()}. */
    public boolean isRetryable() {
        return kind.isRetryable();
    }
}
