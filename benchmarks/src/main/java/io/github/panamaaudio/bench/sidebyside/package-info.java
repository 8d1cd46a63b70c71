/**
 * The side-by-side real capture: one private PulseAudio source captured by this
 * library ({@link io.github.panamaaudio.bench.sidebyside.OursCapture}), by
 * {@code javax.sound.sampled} through ALSA's pulse plugin
 * ({@link io.github.panamaaudio.bench.sidebyside.JavaxCapture}) and by {@code parec},
 * each in its own process, one after another, in rotating order
 * ({@link io.github.panamaaudio.bench.sidebyside.SideBySide} drives them).
 *
 * <p>The source is a null sink's monitor with a sine playing into the sink: it
 * delivers audio in small blocks, as a real device does. (The server's sine source
 * module would not do: it has a fixed 2 s latency and posts 2 s blocks, so every
 * capture would sleep 2 s and then read 200 packets at once.)
 *
 * <p>Every capture runs the same protocol
 * ({@link io.github.panamaaudio.bench.sidebyside.CaptureTimeline}): windows placed from
 * the first data (the first seconds, while the JIT is cold, and a steady window after
 * a warm-up), each opened and closed on a read. At each window edge the driver
 * snapshots the capture's process from outside
 * ({@link io.github.panamaaudio.bench.sidebyside.ProcessMeter}: CPU from the process
 * CPU clock and {@code /proc/<pid>/task/*}{@code /schedstat}, wake-ups from
 * {@code voluntary_ctxt_switches}, every thread, ended ones included); the Java
 * captures add the same figures taken in-process as a check, the frames delivered, the
 * longest wait between reads and the bytes allocated by the reading thread.
 */
package io.github.panamaaudio.bench.sidebyside;
