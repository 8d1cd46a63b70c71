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
 * ({@link io.github.panamaaudio.bench.sidebyside.CaptureWindow}): a warm-up measured
 * from the first data (JVM start, JIT, the server settling into its block size),
 * then a window of wall-clock time from the arrival of one read to the arrival of
 * the read that closes it. Over the window it takes the process's CPU time
 * ({@link io.github.panamaaudio.bench.sidebyside.CpuClock}: every thread, at
 * nanosecond resolution), the frames delivered against {@code rate × window}, the
 * longest wait between reads, the times the process's threads were scheduled, and,
 * for the Java readers, the bytes allocated by the reading thread
 * ({@code com.sun.management.ThreadMXBean}).
 */
package io.github.panamaaudio.bench.sidebyside;
