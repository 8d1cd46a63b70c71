package io.github.panamaaudio.cli;

import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Reads a WAV file back through {@code javax.sound.sampled} (an independent
 * reader of the header) and measures it: mono samples and their dominant
 * frequency (Hann window, radix-2 FFT, parabolic interpolation of the peak).
 *
 * <p>Thread-safety: stateless.
 */
final class Wav {

    private Wav() {
    }

    record Content(AudioFileFormat fileFormat, double[] mono) {
        AudioFormat format() {
            return fileFormat.getFormat();
        }
    }

    /** The file's format as javax.sound reads it, and all its samples averaged to mono in [-1, 1]. */
    static Content read(Path file) throws IOException, UnsupportedAudioFileException {
        AudioFileFormat fileFormat = AudioSystem.getAudioFileFormat(file.toFile());
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat f = in.getFormat();
            ByteBuffer bytes = ByteBuffer.wrap(in.readAllBytes())
                    .order(f.isBigEndian() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            int channels = f.getChannels();
            int sampleBytes = f.getSampleSizeInBits() / 8;
            boolean isFloat = f.getEncoding() == AudioFormat.Encoding.PCM_FLOAT;
            int frames = bytes.remaining() / (channels * sampleBytes);
            double[] mono = new double[frames];
            for (int i = 0; i < frames; i++) {
                double sum = 0;
                for (int c = 0; c < channels; c++) {
                    sum += switch (sampleBytes) {
                        case 2 -> bytes.getShort() / 32768.0;
                        case 4 -> isFloat ? bytes.getFloat() : bytes.getInt() / 2147483648.0;
                        default -> throw new IllegalArgumentException("unexpected sample size " + sampleBytes);
                    };
                }
                mono[i] = sum / channels;
            }
            return new Content(fileFormat, mono);
        }
    }

    static double rms(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v * v;
        }
        return x.length == 0 ? 0 : Math.sqrt(sum / x.length);
    }

    /** The frequency with the most energy, in Hz, resolved to well under 1 Hz on seconds of audio. */
    static double dominantFrequency(double[] x, int rate) {
        int n = Integer.highestOneBit(x.length);
        if (n < x.length) {
            n <<= 1;
        }
        n <<= 1; // zero-pad to at least twice the length: finer bins
        double[] re = new double[n];
        double[] im = new double[n];
        double mean = 0;
        for (double v : x) {
            mean += v / x.length;
        }
        for (int i = 0; i < x.length; i++) {
            re[i] = (x[i] - mean) * (0.5 - 0.5 * Math.cos(2 * Math.PI * i / (x.length - 1)));
        }
        fft(re, im);
        int peak = 1;
        for (int k = 2; k < n / 2 - 1; k++) {
            if (power(re, im, k) > power(re, im, peak)) {
                peak = k;
            }
        }
        double a = Math.log(power(re, im, peak - 1) + 1e-300);
        double b = Math.log(power(re, im, peak) + 1e-300);
        double c = Math.log(power(re, im, peak + 1) + 1e-300);
        double shift = (a - 2 * b + c) < 0 ? 0.5 * (a - c) / (a - 2 * b + c) : 0;
        return (peak + shift) * rate / n;
    }

    private static double power(double[] re, double[] im, int k) {
        return re[k] * re[k] + im[k] * im[k];
    }

    private static void fft(double[] re, double[] im) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {        // bit-reversal permutation
            int bit = n >> 1;
            while ((j & bit) != 0) {
                j ^= bit;
                bit >>= 1;
            }
            j |= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
        for (int size = 2; size <= n; size <<= 1) {  // butterflies
            int half = size / 2;
            for (int k = 0; k < half; k++) {
                double angle = -2 * Math.PI * k / size;
                double wr = Math.cos(angle);
                double wi = Math.sin(angle);
                for (int start = k; start < n; start += size) {
                    int other = start + half;
                    double tr = re[other] * wr - im[other] * wi;
                    double ti = re[other] * wi + im[other] * wr;
                    re[other] = re[start] - tr;
                    im[other] = im[start] - ti;
                    re[start] += tr;
                    im[start] += ti;
                }
            }
        }
    }
}
