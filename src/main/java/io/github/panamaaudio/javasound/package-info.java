/**
 * The Java Sound provider: {@code javax.sound.sampled} programs capture every source
 * of this library — the default input, the default output's loopback, each input,
 * the loopback of each output, each playing application — without naming a class of
 * it. The jar registers {@link io.github.panamaaudio.javasound.PanamaMixerProvider}
 * as a {@code javax.sound.sampled.spi.MixerProvider} (in {@code module-info} and in
 * {@code META-INF/services}); {@code AudioSystem.getMixerInfo()} then lists one
 * capture-only mixer per source, named so a user finds it:
 * {@code "Default input"}, {@code "Default output loopback"},
 * {@code "Input: <description> [<id>]"}, {@code "Loopback: <description> [<id>]"},
 * {@code "Application: <name>"}; vendor {@code "Panama Audio Capture"}.
 *
 * <p>Built on the public API only: one shared {@link io.github.panamaaudio.AudioCapture}
 * (backend "auto"; {@code SharedCapture}) open while a line is open or a listing
 * runs, one {@link io.github.panamaaudio.AudioStream} per open line
 * ({@code CaptureLine}), read with
 * {@link io.github.panamaaudio.AudioStream#read(java.lang.foreign.MemorySegment,
 * io.github.panamaaudio.PacketInfo, java.time.Duration)} into the line's own off-heap
 * buffer; {@code TargetDataLine.read(byte[], …)} copies from there into the caller's
 * array, which is the interface's contract. No thread of its own.
 *
 * <p>Formats: PCM_SIGNED 16-bit and 32-bit and PCM_FLOAT 32-bit, little endian, any
 * rate of 8 000..384 000 Hz and 1..32 channels. Other formats: convert with
 * {@code AudioSystem.getAudioInputStream(targetFormat, new AudioInputStream(line))}.
 *
 * <p>Not here: playback lines, ports, controls (every line and mixer has none),
 * synchronized lines.
 */
package io.github.panamaaudio.javasound;
