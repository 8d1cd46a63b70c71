package io.github.panamaaudio.bench.jmh;

import io.github.panamaaudio.SampleFormat;
import io.github.panamaaudio.StreamConfig;

import java.time.Duration;

/**
 * The stream configurations that give the benchmarked packet sizes exactly, in whole
 * milliseconds:
 * <pre>
 *     480 B = 240 frames × 1 ch × 2 B   S16LE, 24 000 Hz,  10 ms
 *   3 840 B = 480 frames × 2 ch × 4 B   F32LE, 48 000 Hz,  10 ms  (10 ms of 48 kHz stereo float)
 *  38 400 B = 4 800 frames × 2 ch × 4 B F32LE, 48 000 Hz, 100 ms
 * </pre>
 * Every stream is the tone backend's unpaced test pattern: one memcpy per packet in
 * the shim, as fast as the reader asks.
 */
final class PacketShapes {

    private PacketShapes() {
    }

    /**
     * A tone-pattern configuration whose packets are exactly {@code packetBytes} long.
     *
     * @throws IllegalArgumentException for a size without a configuration here
     */
    static StreamConfig patternStream(int packetBytes, boolean checked) {
        StreamConfig.Builder b = StreamConfig.builder().device("pattern?paced=false").checked(checked);
        switch (packetBytes) {
            case 480 -> b.format(SampleFormat.S16LE).sampleRate(24_000).channels(1)
                    .packetDuration(Duration.ofMillis(10));
            case 3_840 -> b.format(SampleFormat.F32LE).sampleRate(48_000).channels(2)
                    .packetDuration(Duration.ofMillis(10));
            case 38_400 -> b.format(SampleFormat.F32LE).sampleRate(48_000).channels(2)
                    .packetDuration(Duration.ofMillis(100));
            default -> throw new IllegalArgumentException("packetBytes = " + packetBytes
                    + " has no configuration; allowed: 480, 3840, 38400");
        }
        StreamConfig config = b.build();
        if (config.packetBytes() != packetBytes) {
            throw new IllegalStateException("configuration " + config + " gives " + config.packetBytes()
                    + " B packets, not " + packetBytes);
        }
        return config;
    }
}
