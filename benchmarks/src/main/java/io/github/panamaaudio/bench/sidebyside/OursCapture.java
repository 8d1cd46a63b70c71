package io.github.panamaaudio.bench.sidebyside;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.SampleFormat;
import io.github.panamaaudio.StreamConfig;

import java.lang.foreign.ValueLayout;
import java.time.Duration;

/**
 * Captures a PulseAudio source with this library, the way its README shows: one
 * thread, {@code next()} in try-with-resources, S16LE at the given rate and channels
 * in packets of {@code --packet-ms}. Prints one {@code RESULT} line (see
 * {@link CaptureTimeline}), after a {@code MARK} line at each window's edges.
 *
 * <p>Arguments: {@code --server ADDR --source NAME --rate HZ --channels N
 * --packet-ms MS --first-seconds S --warmup S --seconds S}.
 */
public final class OursCapture {

    private OursCapture() {
    }

    public static void main(String[] argv) throws Exception {
        Args args = new Args(argv);
        StreamConfig config = StreamConfig.builder()
                .device(args.require("source"))
                .format(SampleFormat.S16LE)
                .sampleRate(args.getInt("rate", 48_000))
                .channels(args.getInt("channels", 2))
                .packetDuration(Duration.ofMillis(args.getInt("packet-ms", 10)))
                .name("bench")
                .build();
        CaptureTimeline window = CaptureTimeline.standard(CaptureTimeline.stdoutMarks("first", "steady"), true,
                args.getDouble("first-seconds", 10), args.getDouble("warmup", 8), args.getDouble("seconds", 20));
        byte sink = 0;
        try (AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", args.require("server"))
                .applicationName("pac-bench-ours").open();
             AudioStream stream = capture.openStream(config)) {
            while (!window.done()) {
                try (AudioPacket packet = stream.next()) {
                    sink ^= packet.segment().get(ValueLayout.JAVA_BYTE, 0); // the data reaches Java
                    window.onRead(packet.frames(), packet.isDiscontinuity());
                }
            }
            System.out.println(window.resultLine("ours", "packetBytes=" + config.packetBytes()
                    + " streamOverruns=" + stream.overruns() + " poolHitRate=" + stream.poolStats().hitRate()
                    + " sink=" + sink));
        }
    }
}
