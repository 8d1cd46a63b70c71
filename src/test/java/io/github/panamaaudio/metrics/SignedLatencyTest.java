package io.github.panamaaudio.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.StreamConfig;
import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A loopback's latency is signed: a monitor source delivers samples before they reach
 * the output device, so PulseAudio reports a negative latency for it. The API keeps the
 * sign and the gauge shows it; NaN is only "unknown".
 */
@ExtendWith(PulseServerExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SignedLatencyTest {

    @Test
    void aLoopbacksLatencyKeepsItsSignAndTheGaugeShowsItInsteadOfNaN(PulseServer server) throws Exception {
        try (PulseServer.Player player = server.playTone(440);
             AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", server.address()).open();
             AudioStream stream = capture.openStream(StreamConfig.builder().name("loopback-latency")
                     .source(StreamConfig.Source.device(server.sinkName())).build())) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (AudioStreamMetrics metrics = new AudioStreamMetrics(stream, Tags.empty())) {
                metrics.bindTo(registry);
                Gauge gauge = registry.get("audio.stream.latency").gauge();
                List<Long> latencies = new ArrayList<>();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                while (System.nanoTime() - until < 0) {
                    try (AudioPacket p = stream.next()) {
                        if (p.sequence() % 20 == 0) {
                            Duration d = stream.latency().orElseThrow(() -> new AssertionError(
                                    "an open loopback with timing reports has a latency"));
                            double g = gauge.value();
                            assertFalse(Double.isNaN(g), "the gauge is NaN for a known latency of " + d);
                            assertEquals(d.toNanos() / 1e9, g, 0.005, "gauge vs latency() asked just before");
                            latencies.add(d.toNanos());
                        }
                    }
                }
                Collections.sort(latencies);
                long median = latencies.get(latencies.size() / 2);
                System.out.println("loopback latency median " + median / 1e6 + " ms over " + latencies.size());
                assertTrue(latencies.size() >= 10, "samples: " + latencies);
                assertTrue(Math.abs(median) < TimeUnit.SECONDS.toNanos(1), "a plausible latency: " + median);
            }
            stream.close();
            assertTrue(stream.latency().isEmpty(), "closed: unknown");
        }
    }
}
