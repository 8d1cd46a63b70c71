package io.github.panamaaudio.internal;

import java.util.List;

/**
 * The Java side of one backend of the C shim (one package per backend under
 * {@code internal.backend}): its name in the shim's backend table and the options it
 * takes. Everything else — devices, applications, events, streams — goes through
 * the shim's generic context API ({@link NativeContext}), so a backend's Java
 * package stays this small; {@link Backends} is the one place that picks one.
 *
 * <p>Thread-safety: implementations are immutable and thread-safe.
 */
public interface Backend {

    /** {@return the backend's row name in the shim: "pulse", "tone"} */
    String name();

    /** {@return the option keys the backend takes (the shim checks them too)} */
    List<String> options();
}
