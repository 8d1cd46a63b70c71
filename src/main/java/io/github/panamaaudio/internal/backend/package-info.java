/**
 * The Java side of the shim's backends, one subpackage each ({@code pulse},
 * {@code wasapi}, {@code tone}), all with the same role: a {@link io.github.panamaaudio.internal.Backend}
 * that names the backend's row in the shim's table and the options it takes.
 * Everything else — devices, applications, events, streams — goes through the shim's
 * generic context API ({@link io.github.panamaaudio.internal.NativeContext}).
 *
 * <p>Adding a backend {@code <name>}:
 * <ol>
 *   <li>C: {@code src/main/c/src/<name>.c} (or a few files by role, like
 *       {@code pulse_*.c}) defining {@code const pac_backend_ops pac_<name>_backend}
 *       with context_open, context_close, devices, applications, next_event,
 *       context_interrupt and stream_open, and a {@code pac_stream_ops} (read, stats,
 *       interrupt, pause, close) for its streams — {@code internal.h} says what each
 *       must do; one row in {@code backends.c}; the file in the Makefile.</li>
 *   <li>Java: a package {@code internal.backend.<name>} with its {@code Backend}, and
 *       its entry in {@link io.github.panamaaudio.internal.Backends} (and in "auto"'s
 *       list if "auto" may pick it).</li>
 * </ol>
 * The header {@code pac_shim.h} and the bindings do not change.
 */
package io.github.panamaaudio.internal.backend;
