package io.github.panamaaudio.bench.sidebyside;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.Mixer;
import javax.sound.sampled.TargetDataLine;

/**
 * Captures ALSA's {@code default} device with {@code javax.sound.sampled}, the way
 * its tutorials show: a {@link TargetDataLine} read into one reused {@code byte[]} of
 * one packet ({@code --packet-ms}) per read. The caller points ALSA's default at the
 * PulseAudio source with the pulse plugin ({@code ALSA_CONFIG_PATH}, see
 * {@link SideBySide}). Prints one {@code RESULT} line (see {@link CaptureTimeline}), after
 * a {@code MARK} line at each window's edges.
 *
 * <p>Arguments: {@code --rate HZ --channels N --packet-ms MS --buffer-ms MS
 * --first-seconds S --warmup S --seconds S}; {@code --buffer-ms 0} (the default) keeps the line's
 * default buffer ({@code line.open(format)}), anything else opens with that much.
 */
public final class JavaxCapture {

    private JavaxCapture() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        int rate = args.getInt("rate", 48_000);
        int channels = args.getInt("channels", 2);
        int packetMillis = args.getInt("packet-ms", 10);
        int bufferMillis = args.getInt("buffer-ms", 0);
        AudioFormat format = new AudioFormat(rate, 16, channels, true, false);
        int frameBytes = format.getFrameSize();
        int packetBytes = rate * packetMillis / 1000 * frameBytes;

        Mixer.Info mixer = alsaDefault(format);
        TargetDataLine line = (TargetDataLine) AudioSystem.getMixer(mixer)
                .getLine(new DataLine.Info(TargetDataLine.class, format));
        if (bufferMillis > 0) {
            line.open(format, rate * bufferMillis / 1000 * frameBytes);
        } else {
            line.open(format);
        }
        CaptureTimeline window = CaptureTimeline.standard(CaptureTimeline.stdoutMarks("first", "steady"), true,
                args.getDouble("first-seconds", 10), args.getDouble("warmup", 8), args.getDouble("seconds", 20));
        byte[] buffer = new byte[packetBytes];
        int lineBufferBytes = line.getBufferSize();
        byte sink = 0;
        try {
            line.start();
            while (!window.done()) {
                int n = line.read(buffer, 0, buffer.length);
                if (n <= 0) {
                    throw new IllegalStateException("TargetDataLine.read returned " + n);
                }
                sink ^= buffer[0]; // the data reaches Java
                window.onRead(n / frameBytes, false);
            }
        } finally {
            line.close();
        }
        System.out.println(window.resultLine("javax", "packetBytes=" + packetBytes + " lineBufferBytes="
                + lineBufferBytes + " mixer=" + mixer.getName().replace(' ', '_') + " sink=" + sink));
    }

    /** The mixer of ALSA's "default" device, which must offer a capture line for the format. */
    private static Mixer.Info alsaDefault(AudioFormat format) {
        DataLine.Info wanted = new DataLine.Info(TargetDataLine.class, format);
        StringBuilder seen = new StringBuilder();
        for (Mixer.Info info : AudioSystem.getMixerInfo()) {
            seen.append(" '").append(info.getName()).append('\'');
            if (info.getName().startsWith("default") && AudioSystem.getMixer(info).isLineSupported(wanted)) {
                return info;
            }
        }
        throw new IllegalStateException("javax.sound.sampled has no capture line on ALSA's default device for "
                + format + "; mixers:" + seen + ". Is the pulse plugin (libasound2-plugins) installed and"
                + " ALSA_CONFIG_PATH pointing default at the server?");
    }
}
