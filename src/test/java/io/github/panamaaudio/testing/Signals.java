package io.github.panamaaudio.testing;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Measurements on captured audio for assertions: loudness ({@link #rms}), pitch
 * ({@link #dominantFrequency}) and conversion of interleaved PCM to normalized
 * mono samples ({@link #toMono}, {@link #channel}).
 *
 * <p>Sample formats are named by strings so that tests need no API type:
 * {@code "S16LE"}, {@code "S32LE"}, {@code "F32LE"} (case and underscores are
 * ignored, so {@code "s16_le"} works too). Integer samples are scaled by
 * 1/32768 or 1/2<sup>31</sup> into [-1, 1); float samples are taken as they are.
 *
 * <p>Thread-safety: stateless; all methods may be called from any thread.
 */
public final class Signals {

    /** Frequencies below this are not searched: a DC offset or hum must not win. */
    public static final double MIN_FREQUENCY_HZ = 20.0;

    private static final ValueLayout.OfShort S16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt S32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Signals() {
    }

    /** Root mean square of {@code x}; 0 for an empty array. A full-scale sine has 1/sqrt(2). */
    public static double rms(double[] x) {
        if (x.length == 0) {
            return 0.0;
        }
        double sum = 0.0;
        for (double v : x) {
            sum += v * v;
        }
        return Math.sqrt(sum / x.length);
    }

    /**
     * The frequency, in Hz, of the strongest spectral peak of {@code mono} between
     * {@value #MIN_FREQUENCY_HZ} Hz and half the sample rate: the mean is removed,
     * a Hann window applied, the signal zero-padded to at least twice its length
     * (a power of two) and transformed by FFT; the peak is refined by a parabola
     * through the log magnitudes of its bin and the two neighbours. On 2 s of a
     * 440 Hz sine at 48 kHz it is within 0.01 Hz.
     *
     * @return the frequency, or {@link Double#NaN} if the signal is silent (all
     *     samples equal)
     * @throws IllegalArgumentException if fewer than 2 samples are given, or
     *     {@code sampleRate} is not positive
     */
    public static double dominantFrequency(double[] mono, int sampleRate) {
        if (mono.length < 2) {
            throw new IllegalArgumentException("need at least 2 samples, got " + mono.length);
        }
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sampleRate must be > 0, got " + sampleRate);
        }
        int n = mono.length;
        int size = Integer.highestOneBit(n) << 1;
        if (size < 2 * n) {
            size <<= 1;
        }
        double mean = 0.0;
        for (double v : mono) {
            mean += v;
        }
        mean /= n;
        double[] re = new double[size];
        double[] im = new double[size];
        for (int i = 0; i < n; i++) {
            double hann = 0.5 - 0.5 * Math.cos(2.0 * Math.PI * i / (n - 1));
            re[i] = (mono[i] - mean) * hann;
        }
        fft(re, im);

        double binHz = (double) sampleRate / size;
        int first = Math.max(1, (int) Math.ceil(MIN_FREQUENCY_HZ / binHz));
        int last = size / 2 - 1;                 // exclude Nyquist: need a right neighbour
        int peak = -1;
        double peakPower = 0.0;
        for (int k = first; k <= last; k++) {
            double power = re[k] * re[k] + im[k] * im[k];
            if (power > peakPower) {
                peakPower = power;
                peak = k;
            }
        }
        if (peak < 0 || peakPower <= 0.0) {
            return Double.NaN;
        }
        double left = Math.log(power(re, im, peak - 1));
        double center = Math.log(peakPower);
        double right = Math.log(power(re, im, peak + 1));
        double denominator = left - 2.0 * center + right;
        double offset = denominator < 0.0 ? 0.5 * (left - right) / denominator : 0.0;
        return (peak + offset) * binHz;
    }

    /**
     * The average of all channels of interleaved PCM, normalized to [-1, 1].
     *
     * @param interleaved whole frames of {@code channels} samples each
     * @param format {@code "S16LE"}, {@code "S32LE"} or {@code "F32LE"}
     * @throws IllegalArgumentException for an unknown format, {@code channels < 1},
     *     or a size that is not a whole number of frames
     */
    public static double[] toMono(MemorySegment interleaved, String format, int channels) {
        int bytesPerSample = bytesPerSample(format);
        int frames = frames(interleaved, bytesPerSample, channels);
        double[] mono = new double[frames];
        long offset = 0;
        for (int f = 0; f < frames; f++) {
            double sum = 0.0;
            for (int c = 0; c < channels; c++) {
                sum += sample(interleaved, offset, bytesPerSample, format);
                offset += bytesPerSample;
            }
            mono[f] = sum / channels;
        }
        return mono;
    }

    /** {@link #toMono(MemorySegment, String, int)} on a byte array. */
    public static double[] toMono(byte[] interleaved, String format, int channels) {
        return toMono(MemorySegment.ofArray(interleaved), format, channels);
    }

    /**
     * One channel ({@code 0 <= channel < channels}) of interleaved PCM, normalized
     * like {@link #toMono(MemorySegment, String, int)}.
     */
    public static double[] channel(MemorySegment interleaved, String format, int channels, int channel) {
        int bytesPerSample = bytesPerSample(format);
        int frames = frames(interleaved, bytesPerSample, channels);
        if (channel < 0 || channel >= channels) {
            throw new IllegalArgumentException("channel must be in [0, " + channels + "), got " + channel);
        }
        double[] out = new double[frames];
        long frameBytes = (long) bytesPerSample * channels;
        for (int f = 0; f < frames; f++) {
            out[f] = sample(interleaved, f * frameBytes + (long) channel * bytesPerSample, bytesPerSample, format);
        }
        return out;
    }

    /** {@link #channel(MemorySegment, String, int, int)} on a byte array. */
    public static double[] channel(byte[] interleaved, String format, int channels, int channel) {
        return channel(MemorySegment.ofArray(interleaved), format, channels, channel);
    }

    // ---------------------------------------------------------------- internals

    private static String normalize(String format) {
        return format.replace("_", "").toUpperCase(Locale.ROOT);
    }

    private static int bytesPerSample(String format) {
        return switch (normalize(format)) {
            case "S16LE" -> 2;
            case "S32LE", "F32LE" -> 4;
            default -> throw new IllegalArgumentException(
                    "format must be one of S16LE, S32LE, F32LE, got '" + format + "'");
        };
    }

    private static int frames(MemorySegment interleaved, int bytesPerSample, int channels) {
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be >= 1, got " + channels);
        }
        long frameBytes = (long) bytesPerSample * channels;
        if (interleaved.byteSize() % frameBytes != 0) {
            throw new IllegalArgumentException("size " + interleaved.byteSize()
                    + " bytes is not a whole number of " + frameBytes + "-byte frames");
        }
        long frames = interleaved.byteSize() / frameBytes;
        if (frames > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many frames for an array: " + frames);
        }
        return (int) frames;
    }

    private static double sample(MemorySegment segment, long offset, int bytesPerSample, String format) {
        if (bytesPerSample == 2) {
            return segment.get(S16, offset) / 32768.0;
        }
        return normalize(format).charAt(0) == 'F'
                ? segment.get(F32, offset)
                : segment.get(S32, offset) / 2147483648.0;
    }

    private static double power(double[] re, double[] im, int k) {
        double p = re[k] * re[k] + im[k] * im[k];
        return Math.max(p, Double.MIN_NORMAL);   // log of 0 would poison the parabola
    }

    /** In-place iterative radix-2 FFT; {@code re.length} must be a power of two. */
    static void fft(double[] re, double[] im) {
        int n = re.length;
        if (Integer.bitCount(n) != 1 || im.length != n) {
            throw new IllegalArgumentException("length must be a power of two, got " + n);
        }
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int len = 2; len <= n; len <<= 1) {
            double angle = -2.0 * Math.PI / len;
            int half = len >> 1;
            // twiddles computed directly per index: no drift from repeated multiplication
            for (int k = 0; k < half; k++) {
                double wr = Math.cos(angle * k);
                double wi = Math.sin(angle * k);
                for (int start = 0; start < n; start += len) {
                    int a = start + k;
                    int b = a + half;
                    double xr = re[b] * wr - im[b] * wi;
                    double xi = re[b] * wi + im[b] * wr;
                    re[b] = re[a] - xr;
                    im[b] = im[a] - xi;
                    re[a] += xr;
                    im[a] += xi;
                }
            }
        }
    }
}
