package io.github.panamaaudio.metrics;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.StreamConfig;

/**
 * Run by {@link WorksWithoutMicrometerTest} in a child JVM whose class path has the
 * library only: proves Micrometer is absent, then captures 100 packets.
 * Exit status 0 on success, 2 if Micrometer is visible, 3 if a packet is wrong.
 */
public final class CaptureWithoutMicrometerMain {

    static final String MICROMETER_CLASS = "io.micrometer.core.instrument.MeterRegistry";
    static final int PACKETS = 100;

    private CaptureWithoutMicrometerMain() {
    }

    public static void main(String[] args) throws Exception {
        try {
            Class.forName(MICROMETER_CLASS);
            System.out.println("micrometer is on the class path: " + MICROMETER_CLASS + " loaded");
            System.exit(2);
        } catch (ClassNotFoundException expected) {
            System.out.println("micrometer absent: " + MICROMETER_CLASS + " not found");
        }
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(StreamConfig.builder().device("pattern?paced=false").build())) {
            for (int i = 0; i < PACKETS; i++) {
                try (AudioPacket p = stream.next()) {
                    if (p.sequence() != i || p.frames() != stream.config().packetFrames()) {
                        System.out.println("packet " + i + " is wrong: " + p);
                        System.exit(3);
                    }
                }
            }
            System.out.println("captured " + stream.packets() + " packets, pool " + stream.poolStats());
        }
    }
}
