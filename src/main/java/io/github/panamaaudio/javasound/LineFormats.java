package io.github.panamaaudio.javasound;

import io.github.panamaaudio.SampleFormat;
import io.github.panamaaudio.StreamConfig;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.Line;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.TargetDataLine;

/**
 * The {@link AudioFormat}s a capture line delivers — exactly the library's
 * {@link SampleFormat}s: PCM_SIGNED 16-bit and 32-bit and PCM_FLOAT 32-bit, little
 * endian, at any rate and channel count {@link StreamConfig} accepts — and the
 * checks {@code open} makes.
 *
 * <p>Thread-safety: stateless; the arrays handed out are copies.
 */
final class LineFormats {

    private static final int NS = AudioSystem.NOT_SPECIFIED;

    /** One per {@link SampleFormat}, rate and channels not specified (a format with any rate and channels matches it). */
    private static final AudioFormat[] ANY_RATE = {
            new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, NS, 16, NS, NS, NS, false),
            new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, NS, 32, NS, NS, NS, false),
            new AudioFormat(AudioFormat.Encoding.PCM_FLOAT, NS, 32, NS, NS, NS, false),
    };

    private LineFormats() {
    }

    /** A fully specified format of the library's sample format. */
    static AudioFormat of(SampleFormat format, int rate, int channels) {
        return switch (format) {
            case S16LE -> new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, rate, 16, channels, 2 * channels, rate, false);
            case S32LE -> new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, rate, 32, channels, 4 * channels, rate, false);
            case F32LE -> new AudioFormat(AudioFormat.Encoding.PCM_FLOAT, rate, 32, channels, 4 * channels, rate, false);
        };
    }

    /**
     * The line info a mixer advertises: its preferred format first (fully specified,
     * so that {@code getFormats()[0]} can be opened as it is), then one wildcard per
     * sample format.
     */
    static DataLine.Info lineInfo(AudioFormat preferred) {
        AudioFormat[] formats = new AudioFormat[ANY_RATE.length + 1];
        formats[0] = preferred;
        System.arraycopy(ANY_RATE, 0, formats, 1, ANY_RATE.length);
        return new DataLine.Info(TargetDataLine.class, formats, NS, NS);
    }

    /**
     * Whether a requested line can be served: a line class a {@link TargetDataLine}
     * is, and formats that are the library's with rates and channels in range
     * (each may be {@link AudioSystem#NOT_SPECIFIED}).
     */
    static boolean supports(Line.Info requested, DataLine.Info ours) {
        if (!requested.matches(ours)) {
            return false;
        }
        if (requested instanceof DataLine.Info data) {
            for (AudioFormat f : data.getFormats()) {
                if (!inRange(f)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static boolean inRange(AudioFormat f) {
        float rate = f.getSampleRate();
        int channels = f.getChannels();
        boolean rateOk = rate == NS || (rate == Math.rint(rate)
                && rate >= StreamConfig.MIN_SAMPLE_RATE && rate <= StreamConfig.MAX_SAMPLE_RATE);
        boolean channelsOk = channels == NS
                || (channels >= StreamConfig.MIN_CHANNELS && channels <= StreamConfig.MAX_CHANNELS);
        return rateOk && channelsOk;
    }

    /** The library's sample format for an audio format's encoding, size and byte order; null if none. */
    static SampleFormat sampleFormat(AudioFormat f) {
        if (f.isBigEndian()) {
            return null;
        }
        if (f.getEncoding().equals(AudioFormat.Encoding.PCM_SIGNED)) {
            return switch (f.getSampleSizeInBits()) {
                case 16 -> SampleFormat.S16LE;
                case 32 -> SampleFormat.S32LE;
                default -> null;
            };
        }
        if (f.getEncoding().equals(AudioFormat.Encoding.PCM_FLOAT) && f.getSampleSizeInBits() == 32) {
            return SampleFormat.F32LE;
        }
        return null;
    }

    /**
     * The default format of a line got with {@code requested}: the last fully specified
     * format in it that a line delivers (as {@link DataLine#getFormat()} specifies), else
     * the mixer's preferred one.
     */
    static AudioFormat defaultFormat(Line.Info requested, AudioFormat preferred) {
        AudioFormat chosen = preferred;
        if (requested instanceof DataLine.Info data) {
            for (AudioFormat f : data.getFormats()) {
                if (isFullySpecified(f) && sampleFormat(f) != null && inRange(f) && isConsistent(f)) {
                    chosen = f;
                }
            }
        }
        return chosen;
    }

    private static boolean isFullySpecified(AudioFormat f) {
        return f.getSampleRate() > 0 && f.getChannels() > 0 && f.getSampleSizeInBits() > 0
                && f.getFrameSize() > 0 && f.getFrameRate() > 0;
    }

    private static boolean isConsistent(AudioFormat f) {
        return f.getFrameSize() == f.getChannels() * ((f.getSampleSizeInBits() + 7) / 8)
                && f.getFrameRate() == f.getSampleRate();
    }

    /**
     * The checks of {@code TargetDataLine.open(format, …)}, in the interface's terms:
     * a format that is not fully specified or not self-consistent is an
     * {@link IllegalArgumentException}; a valid format this line cannot deliver is a
     * {@link LineUnavailableException} (what the JDK's own lines throw for it).
     *
     * @return the library's sample format for it
     */
    static SampleFormat check(AudioFormat f) throws LineUnavailableException {
        if (f.getSampleRate() <= 0 || f.getChannels() <= 0 || f.getSampleSizeInBits() <= 0
                || f.getFrameSize() <= 0 || f.getFrameRate() <= 0) {
            throw new IllegalArgumentException("format is not fully specified (sample rate, channels, sample size,"
                    + " frame size and frame rate must all be given, none AudioSystem.NOT_SPECIFIED): " + f);
        }
        if (!isConsistent(f)) {
            throw new IllegalArgumentException("format is invalid: frame size " + f.getFrameSize() + " is not channels"
                    + " × bytes per sample (" + f.getChannels() * ((f.getSampleSizeInBits() + 7) / 8)
                    + "), or frame rate " + f.getFrameRate() + " is not the sample rate " + f.getSampleRate() + ": " + f);
        }
        SampleFormat sf = sampleFormat(f);
        if (sf == null) {
            throw new LineUnavailableException("this line delivers PCM_SIGNED 16-bit, PCM_SIGNED 32-bit or PCM_FLOAT"
                    + " 32-bit little-endian audio, not " + f
                    + " (AudioSystem.getAudioInputStream(targetFormat, new AudioInputStream(line)) converts)");
        }
        if (!inRange(f)) {
            throw new LineUnavailableException("this line delivers whole sample rates of " + StreamConfig.MIN_SAMPLE_RATE
                    + ".." + StreamConfig.MAX_SAMPLE_RATE + " Hz and " + StreamConfig.MIN_CHANNELS + ".."
                    + StreamConfig.MAX_CHANNELS + " channels, not " + f);
        }
        return sf;
    }
}
