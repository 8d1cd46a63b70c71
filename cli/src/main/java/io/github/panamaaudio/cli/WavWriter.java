package io.github.panamaaudio.cli;

import io.github.panamaaudio.SampleFormat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * Writes interleaved little-endian PCM into a RIFF/WAVE file through a
 * {@link FileChannel}: the caller's buffers (typically a packet's off-heap segment
 * seen as a direct {@link ByteBuffer}) go to the channel as they are, without a
 * copy into a Java array.
 *
 * <p>Layout. Sizes are written as placeholders first and patched by
 * {@link #finish()}, so a file that was never finished still has a header a reader
 * can recognize.
 * <pre>
 *   S16LE, S32LE (WAVE_FORMAT_PCM = 1), 44 bytes of header:
 *     "RIFF" size "WAVE" | "fmt " 16: tag channels rate byteRate blockAlign bits | "data" size ...
 *   F32LE (WAVE_FORMAT_IEEE_FLOAT = 3), 58 bytes of header:
 *     "RIFF" size "WAVE" | "fmt " 18: ... bits cbSize=0 | "fact" 4: frames | "data" size ...
 * </pre>
 * Non-PCM data needs the 18-byte fmt chunk and a fact chunk (RIFF's rules for
 * WAVE_FORMAT_IEEE_FLOAT); sox and {@code javax.sound.sampled} read both layouts.
 * WAVE_FORMAT_EXTENSIBLE is not needed for these formats at 1 or 2 channels, and
 * readers accept the plain tags for more channels too.
 *
 * <p>RIFF sizes are unsigned 32-bit: the data chunk holds at most
 * {@link #maxDataBytes()} bytes; {@link #write(ByteBuffer)} refuses more.
 *
 * <p>Thread-safety: not thread-safe; one thread writes, finishes and closes.
 */
public final class WavWriter implements AutoCloseable {

    /** RIFF's size fields are unsigned 32-bit; the RIFF size counts everything after its own 8 bytes. */
    private static final long RIFF_LIMIT = 0xFFFF_FFFFL;
    private static final int PCM_HEADER_BYTES = 44;
    private static final int FLOAT_HEADER_BYTES = 58;
    private static final short WAVE_FORMAT_PCM = 1;
    private static final short WAVE_FORMAT_IEEE_FLOAT = 3;

    private final Path path;
    private final FileChannel channel;
    private final SampleFormat format;
    private final int sampleRate;
    private final int channels;
    private final int frameBytes;
    private final int headerBytes;
    private long dataBytes;
    private boolean finished;
    private boolean closed;

    private WavWriter(Path path, FileChannel channel, SampleFormat format, int sampleRate, int channels) {
        this.path = path;
        this.channel = channel;
        this.format = format;
        this.sampleRate = sampleRate;
        this.channels = channels;
        this.frameBytes = channels * format.bytesPerSample();
        this.headerBytes = format == SampleFormat.F32LE ? FLOAT_HEADER_BYTES : PCM_HEADER_BYTES;
    }

    /**
     * Creates (or truncates) {@code path} and writes a header with zero sizes.
     *
     * @throws IllegalArgumentException if {@code sampleRate} or {@code channels} is not positive
     *                                  or the byte rate does not fit a WAV header
     * @throws IOException              if the file cannot be created or written
     */
    public static WavWriter create(Path path, SampleFormat format, int sampleRate, int channels)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(format, "format");
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate = " + sampleRate + " must be > 0");
        }
        if (channels <= 0 || channels > 0xFFFF) {
            throw new IllegalArgumentException("channels = " + channels + " is outside the allowed range 1..65535");
        }
        if ((long) sampleRate * channels * format.bytesPerSample() > RIFF_LIMIT) {
            throw new IllegalArgumentException("sampleRate × channels × " + format.bytesPerSample()
                    + " bytes does not fit a WAV header's 32-bit byte rate");
        }
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        WavWriter writer = new WavWriter(path, channel, format, sampleRate, channels);
        try {
            writer.writeHeader();
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return writer;
    }

    /** The file being written. */
    public Path path() {
        return path;
    }

    /** Bytes of one frame: channels × bytes per sample. */
    public int frameBytes() {
        return frameBytes;
    }

    /** Bytes before the samples: 44 for PCM, 58 for float. */
    public int headerBytes() {
        return headerBytes;
    }

    /** The most sample bytes this file can hold (RIFF sizes are 32-bit), a whole number of frames. */
    public long maxDataBytes() {
        return maxDataBytes(format, channels);
    }

    /** The most sample bytes a WAV file of this format can hold, a whole number of frames. */
    public static long maxDataBytes(SampleFormat format, int channels) {
        int header = format == SampleFormat.F32LE ? FLOAT_HEADER_BYTES : PCM_HEADER_BYTES;
        long frameBytes = (long) channels * format.bytesPerSample();
        long max = RIFF_LIMIT - (header - 8);
        return max - max % frameBytes;
    }

    /** Sample bytes written so far. */
    public long dataBytes() {
        return dataBytes;
    }

    /** Whole frames written so far. */
    public long frames() {
        return dataBytes / frameBytes;
    }

    /**
     * Writes all remaining bytes of {@code samples} (position to limit), whole
     * frames, to the data chunk and advances the buffer's position to its limit.
     *
     * @throws IllegalArgumentException if the bytes are not a whole number of frames
     * @throws IllegalStateException    if the writer is finished, or the file would exceed {@link #maxDataBytes()}
     * @throws IOException           if the channel fails
     */
    public void write(ByteBuffer samples) throws IOException {
        if (finished) {
            throw new IllegalStateException("WAV file " + path + " is already finished");
        }
        int n = samples.remaining();
        if (n % frameBytes != 0) {
            throw new IllegalArgumentException(n + " bytes are not a whole number of " + frameBytes + "-byte frames");
        }
        if (dataBytes + n > maxDataBytes()) {
            throw new IllegalStateException("WAV file " + path + " would exceed its 4 GiB size limit ("
                    + maxDataBytes() + " bytes of samples)");
        }
        while (samples.hasRemaining()) {
            channel.write(samples);
        }
        dataBytes += n;
    }

    /**
     * Patches the RIFF, data (and fact) sizes and forces the file to storage.
     * Idempotent; the writer accepts no more samples afterwards. (Frames of these
     * formats have an even size, so the data chunk never needs RIFF's pad byte.)
     */
    public void finish() throws IOException {
        if (finished) {
            return;
        }
        finished = true;
        long end = headerBytes + dataBytes;
        ByteBuffer size = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        putSize(size, 4, end - 8);
        putSize(size, headerBytes - 4, dataBytes);
        if (format == SampleFormat.F32LE) {
            putSize(size, 46, frames()); // fact: sample frames per channel
        }
        channel.force(true);
    }

    private void putSize(ByteBuffer buffer, long offset, long value) throws IOException {
        buffer.clear();
        buffer.putInt(0, (int) value).limit(4);
        while (buffer.hasRemaining()) {
            channel.write(buffer, offset + buffer.position());
        }
    }

    /** Finishes the file (see {@link #finish()}) and closes it. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            finish();
        } finally {
            channel.close();
        }
    }

    private void writeHeader() throws IOException {
        boolean isFloat = format == SampleFormat.F32LE;
        ByteBuffer h = ByteBuffer.allocate(headerBytes).order(ByteOrder.LITTLE_ENDIAN);
        h.put(ascii("RIFF")).putInt(headerBytes - 8).put(ascii("WAVE"));
        h.put(ascii("fmt ")).putInt(isFloat ? 18 : 16);
        h.putShort(isFloat ? WAVE_FORMAT_IEEE_FLOAT : WAVE_FORMAT_PCM);
        h.putShort((short) channels);
        h.putInt(sampleRate);
        h.putInt(sampleRate * frameBytes);          // byte rate
        h.putShort((short) frameBytes);             // block align
        h.putShort((short) (8 * format.bytesPerSample()));
        if (isFloat) {
            h.putShort((short) 0);                  // cbSize: no extension
            h.put(ascii("fact")).putInt(4).putInt(0);
        }
        h.put(ascii("data")).putInt(0);
        h.flip();
        while (h.hasRemaining()) {
            channel.write(h);
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
