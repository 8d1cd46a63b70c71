package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.StreamConfig;

import java.util.List;

/**
 * The seam every backend implements (one package per backend under
 * {@code internal.backend}); {@link Backends} is the one place that picks one.
 *
 * <p>Thread-safety: implementations are immutable and thread-safe.
 */
public interface Backend {

    /** The backend's short name: "pulse", "tone". */
    String name();

    /** The devices this backend offers now. */
    List<AudioDevice> devices() throws AudioException;

    /** Opens a shim stream for a validated config. */
    NativeStream open(StreamConfig config) throws AudioException;
}
