package io.github.panamaaudio;

/**
 * Interleaved little-endian sample formats a stream can deliver.
 *
 * <p>Thread-safety: an enum, immutable.
 */
public enum SampleFormat {
    /** Signed 16-bit integers, full scale ±32767. */
    S16LE(2),
    /** Signed 32-bit integers, full scale ±2147483647. */
    S32LE(4),
    /** IEEE-754 32-bit floats, full scale ±1.0. */
    F32LE(4);

    private final int bytesPerSample;

    SampleFormat(int bytesPerSample) {
        this.bytesPerSample = bytesPerSample;
    }

    /** {@return the bytes of one sample of one channel} */
    public int bytesPerSample() {
        return bytesPerSample;
    }
}
