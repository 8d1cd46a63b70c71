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
 * reader of the header) into mono samples, for the measurements of
 * {@link io.github.panamaaudio.testing.Signals}.
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
}
