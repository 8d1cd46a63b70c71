package io.github.panamaaudio.cli;

import io.github.panamaaudio.SampleFormat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The peak level of captured audio, read in place from a packet's segment (no
 * copy), kept as the maximum since the last {@link #takePeakDbfs()}.
 *
 * <p>Thread-safety: not thread-safe; used by the capturing thread only.
 */
final class LevelMeter {

    private static final ValueLayout.OfShort S16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt S32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Shown for silence. */
    static final double FLOOR_DBFS = -96.0;

    private final SampleFormat format;
    private double peak;

    LevelMeter(SampleFormat format) {
        this.format = format;
    }

    /** Takes the first {@code bytes} bytes of {@code samples} into the running peak. */
    void accept(MemorySegment samples, long bytes) {
        double p = peak;
        switch (format) {
            case S16LE -> {
                for (long o = 0; o + 2 <= bytes; o += 2) {
                    p = Math.max(p, Math.abs(samples.get(S16, o) / 32768.0));
                }
            }
            case S32LE -> {
                for (long o = 0; o + 4 <= bytes; o += 4) {
                    p = Math.max(p, Math.abs(samples.get(S32, o) / 2147483648.0));
                }
            }
            case F32LE -> {
                for (long o = 0; o + 4 <= bytes; o += 4) {
                    float v = samples.get(F32, o);
                    if (Float.isFinite(v)) {
                        p = Math.max(p, Math.abs(v));
                    }
                }
            }
        }
        peak = p;
    }

    /** The peak since the last call, in dBFS ({@value #FLOOR_DBFS} for silence), and resets it. */
    double takePeakDbfs() {
        double p = peak;
        peak = 0;
        return p <= 0 ? FLOOR_DBFS : Math.max(FLOOR_DBFS, 20 * Math.log10(p));
    }

    /** A 20-character bar for a level between {@value #FLOOR_DBFS} (empty) and 0 dBFS (full), on a 60 dB scale. */
    static String bar(double dbfs) {
        int width = 20;
        int filled = (int) Math.round(Math.max(0, Math.min(1, (dbfs + 60) / 60)) * width);
        return "#".repeat(filled) + " ".repeat(width - filled);
    }
}
