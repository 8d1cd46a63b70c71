package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Timestamps and positions of real capture come from the server's timing: the
 * timestamp is the System.nanoTime instant the packet's first frame was captured
 * (for a loopback: reached the output device), the position the server's read
 * index. Each test keeps a player going 3 s before it asserts timing (the null
 * sink works in blocks during the first ~2 s).
 */
@ExtendWith(PulseServerExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PulseTimingTest {

    private static final long PACKET_NS = 10_000_000;

    private final PulseServer server;

    PulseTimingTest(PulseServer server) {
        this.server = server;
    }

    /** A packet's timestamp and position, and latency() asked between askedFrom and askedUntil. */
    private record Delivered(long timestamp, long position, long askedFrom, long askedUntil, long latencyNanos) {
    }

    /** 10 s of packets after a 3 s warm-up, with the stream's latency asked right at each delivery. */
    private List<Delivered> capture(String device) throws Exception {
        try (PulseServer.Player player = server.playTone(1000);
             AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", server.address()).open();
             AudioStream stream = capture.openStream(StreamConfig.builder().device(device)
                     .format(SampleFormat.S16LE).channels(2).build())) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < until) {
                stream.next().close();
                stream.latency();
            }
            List<Delivered> out = new ArrayList<>(1000);
            for (int i = 0; i < 1000; i++) {
                try (AudioPacket p = stream.next()) {
                    long from = System.nanoTime();
                    long latency = stream.latency().map(Duration::toNanos).orElse(Long.MIN_VALUE);
                    out.add(new Delivered(p.timestampNanos(), p.position(), from, System.nanoTime(), latency));
                }
            }
            assertTrue(player.isAlive());
            return out;
        }
    }

    private static void assertTiming(List<Delivered> d) {
        long worstStep = 0;
        long worstAge = 0;
        for (int i = 0; i < d.size(); i++) {
            Delivered p = d.get(i);
            if (i > 0) {
                long step = p.timestamp() - d.get(i - 1).timestamp();
                worstStep = Math.max(worstStep, Math.abs(step - PACKET_NS));
                assertEquals(PACKET_NS, step, 1_000_000, "packet " + i + ": timestamps one packet apart");
                assertEquals(d.get(i - 1).position() + 480, p.position(), "positions back to back");
            }
            assertTrue(p.latencyNanos() != Long.MIN_VALUE, "the server reported a latency");
            // latency(): from the capture of the frame at the read position (the one after this
            // packet) to now: the backlog queued behind the packet (client queue, server queue)
            // plus the device's latency the server reports (for a loopback minus the time to the
            // output device), evaluated by the stream when asked
            // so timestamp + one packet + latency is the instant latency() looked at the clock
            long asked = p.timestamp() + PACKET_NS + p.latencyNanos();
            long error = asked < p.askedFrom() ? p.askedFrom() - asked : Math.max(0, asked - p.askedUntil());
            worstAge = Math.max(worstAge, error);
            assertTrue(error <= 2_000_000, "packet " + i + ": delivery - timestamp = one packet + latency, off by "
                    + error / 1000 + " us: " + d.subList(Math.max(0, i - 2), Math.min(d.size(), i + 3)));
        }
        System.out.println("worst step error " + worstStep / 1000 + " us, worst age error " + worstAge / 1000 + " us");
    }

    @Test
    void loopbackTimestampsAreOnePacketApartAndMatchTheServersLatency() throws Exception {
        assertTiming(capture(server.sinkName()));
    }

    @Test
    void sourceTimestampsAreOnePacketApartAndMatchTheServersLatency() throws Exception {
        assertTiming(capture(server.sineSourceName()));
    }
}
