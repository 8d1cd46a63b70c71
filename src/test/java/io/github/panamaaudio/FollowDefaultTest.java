package io.github.panamaaudio;

import static io.github.panamaaudio.ContextTestSupport.EVENT_DEADLINE_MILLIS;
import static io.github.panamaaudio.ContextTestSupport.db;
import static io.github.panamaaudio.ContextTestSupport.level;
import static io.github.panamaaudio.ContextTestSupport.samples;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.ContextTestSupport.Packet;
import io.github.panamaaudio.testing.AudioServer;
import io.github.panamaaudio.testing.AudioServers;
import io.github.panamaaudio.testing.PipeWireServer;
import io.github.panamaaudio.testing.PulseServer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Follow or fail, never substitute — the default-following half, on both servers:
 * a stream on the default output's loopback (or the default input) re-attaches to
 * the new default within 500 ms, its first packet there flagged ROUTE_CHANGED
 * (with DISCONTINUITY), and then carries the new device's tone; when the default
 * output goes away it follows the next one and never becomes the microphone (the
 * sine source's 440 Hz is not in the capture); with no output at all it delivers
 * SILENT packets on the real-time clock until one appears. A default input that
 * is an output's loopback is never captured.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FollowDefaultTest {

    private static final int RATE = 48_000;
    /** Skipped after a switch before the content is judged (PipeWire's first quantum, null-sink bursts). */
    private static final Duration SETTLE = Duration.ofMillis(500);

    /**
     * How long a fresh player, sink or source needs before its audio flows steadily:
     * PulseAudio's null sink and sine source work in blocks of up to 2 s until a
     * client asks for less (DESIGN.md), PipeWire starts at once.
     */
    private static Duration warmUp(AudioServer server) {
        return server.kind() == AudioServer.Kind.PULSEAUDIO ? Duration.ofMillis(2500) : Duration.ofMillis(500);
    }

    /** How long to record after a change so that SETTLE plus a second of content follow the switch. */
    private static Duration afterChange(AudioServer server) {
        return server.kind() == AudioServer.Kind.PULSEAUDIO ? Duration.ofMillis(3500) : Duration.ofMillis(2000);
    }

    /** The last second of a recording. */
    private static List<Packet> lastSecond(List<Packet> packets) {
        return packets.subList(Math.max(0, packets.size() - 100), packets.size());
    }

    private static StreamConfig defaultOutput() {
        return StreamConfig.builder().source(StreamConfig.Source.defaultOutput()).format(SampleFormat.F32LE)
                .sampleRate(RATE).channels(2).build();
    }

    private static StreamConfig defaultInput() {
        return StreamConfig.builder().source(StreamConfig.Source.defaultInput()).format(SampleFormat.F32LE)
                .sampleRate(RATE).channels(1).build();
    }

    /** The packets from {@code skip} after the first packet received at or after {@code fromNanos}. */
    private static List<Packet> after(List<Packet> packets, long fromNanos, Duration skip) {
        long from = fromNanos + skip.toNanos();
        return packets.stream().filter(p -> p.receivedNanos() >= from).toList();
    }

    private static Packet firstRouteChange(List<Packet> packets) {
        return packets.stream().filter(Packet::routeChanged).findFirst().orElse(null);
    }

    private static void assertTone(String what, List<Packet> packets, double hz, double... absentHz) {
        double[] x = samples(packets);
        assertTrue(x.length >= RATE / 2, what + ": only " + x.length + " samples");
        double present = level(x, RATE, hz);
        assertTrue(present > 0.1, what + ": " + hz + " Hz at " + present + " of full scale");
        for (double other : absentHz) {
            double l = level(x, RATE, other);
            assertTrue(db(l / present) < -50, what + ": " + other + " Hz only " + db(l / present) + " dB below "
                    + hz + " Hz");
        }
    }

    /** Asserts the route change and returns its latency in ms from {@code changedNanos}. */
    private static long assertRouteChanged(String what, List<Packet> packets, long changedNanos) {
        return assertRouteChanged(what, packets, changedNanos, EVENT_DEADLINE_MILLIS);
    }

    private static long assertRouteChanged(String what, List<Packet> packets, long changedNanos, long deadlineMillis) {
        Packet route = firstRouteChange(packets);
        assertNotNull(route, what + ": no packet flagged ROUTE_CHANGED");
        assertTrue(route.discontinuity(), what + ": ROUTE_CHANGED comes with DISCONTINUITY");
        long ms = TimeUnit.NANOSECONDS.toMillis(route.receivedNanos() - changedNanos);
        assertTrue(ms < deadlineMillis, what + ": re-attached " + ms + " ms after the change");
        for (int i = 1; i < packets.size(); i++) {
            Packet p = packets.get(i);
            if (p == route || !p.discontinuity()) { // audio a server lost is flagged, and may move the position
                assertEquals(packets.get(i - 1).position() + 480, p.position(),
                        what + ": positions continue across the switch, packet " + i + " of " + packets.size());
            }
        }
        return ms;
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void theDefaultOutputsLoopbackFollowsANewDefaultOutputWithin500msWithRouteChanged(AudioServer server)
            throws Exception {
        ContextTestSupport.restoreDefaults(server);
        int module = server.loadNullSink("pac_follow_b");
        try (PulseServer.Player a = server.playTone(1000);
             PulseServer.Player b = server.playTone("pac_follow_b", 3000);
             AudioCapture capture = ContextTestSupport.capture(server);
             AudioStream stream = capture.openStream(defaultOutput())) {
            List<Packet> before = ContextTestSupport.record(stream, warmUp(server).plus(Duration.ofSeconds(1)));
            assertTone("before", lastSecond(before), 1000, 3000);
            server.pactl("set-default-sink", "pac_follow_b");
            long changed = System.nanoTime();
            List<Packet> packets = ContextTestSupport.record(stream, afterChange(server));
            long ms = assertRouteChanged("new default", concat(before, packets), changed);
            System.out.printf("%s: default output changed, ROUTE_CHANGED after %d ms%n", server.kind(), ms);
            assertEquals(1, packets.stream().filter(Packet::routeChanged).count(), "one re-attach");
            Packet route = firstRouteChange(packets);
            // both servers move the players on the old default along with it (their policy, not
            // ours): the 1 kHz may be there too; the 3 kHz, absent before, shows the new device
            assertTone("after", after(packets, route.receivedNanos(), SETTLE), 3000);
            assertTrue(a.isAlive() && b.isAlive(), "the players still play");
        } finally {
            ContextTestSupport.restoreDefaults(server);
            server.unloadModule(module);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void unloadingTheDefaultOutputFollowsTheNextDefaultOutputAndNeverTheMicrophone(AudioServer server)
            throws Exception {
        ContextTestSupport.restoreDefaults(server);
        int module = server.loadNullSink("pac_follow_gone");
        boolean unloaded = false;
        server.pactl("set-default-sink", "pac_follow_gone");
        // started after the default moved: a change of the default moves the players on the
        // old default along (both servers), these stay where they were put
        try (PulseServer.Player a = server.playTone(1000);
             PulseServer.Player b = server.playTone("pac_follow_gone", 3000)) {
            try (AudioCapture capture = ContextTestSupport.capture(server);
                 AudioStream stream = capture.openStream(defaultOutput())) {
                List<Packet> before = ContextTestSupport.record(stream, warmUp(server).plus(Duration.ofSeconds(1)));
                assertTone("before", lastSecond(before), 3000, 1000);
                b.close(); // its stream would be moved to the next default: only the 1 kHz plays on
                server.unloadModule(module);
                unloaded = true;
                long gone = System.nanoTime();
                List<Packet> packets = ContextTestSupport.record(stream, afterChange(server));
                long ms = assertRouteChanged("default gone", concat(before, packets), gone);
                System.out.printf("%s: default output unloaded, ROUTE_CHANGED after %d ms%n", server.kind(), ms);
                Packet route = packets.stream().filter(Packet::routeChanged).reduce((x, y) -> y).orElseThrow();
                assertTone("the next default", after(packets, route.receivedNanos(), SETTLE), 1000);
                // never the microphone: no 440 Hz anywhere after the unload, not even for a moment
                double mic = level(samples(packets), RATE, server.sineFrequencyHz());
                assertTrue(mic < 1e-3, "the microphone's " + server.sineFrequencyHz() + " Hz is in the loopback at "
                        + mic + " of full scale");
                assertTrue(a.isAlive(), "the other player was not touched");
            }
        } finally {
            if (!unloaded) {
                server.unloadModule(module);
            }
            ContextTestSupport.restoreDefaults(server);
        }
    }

    /** The server's own instance: this test unloads the fixtures' only sink. */
    private static AudioServer ownServer(AudioServer.Kind kind) {
        return kind == AudioServer.Kind.PULSEAUDIO ? PulseServer.start() : PipeWireServer.start();
    }

    private static void close(AudioServer server) {
        if (server instanceof PulseServer p) {
            p.close();
        } else if (server instanceof PipeWireServer p) {
            p.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(AudioServer.Kind.class)
    void withNoOutputTheLoopbackIsSilentOnTheRealTimeClockUntilOneAppears(AudioServer.Kind kind) throws Exception {
        AudioServer server = ownServer(kind);
        try (AudioCapture capture = ContextTestSupport.capture(server);
             AudioStream stream = capture.openStream(defaultOutput())) {
            ContextTestSupport.record(stream, warmUp(server));
            server.unloadModule(ContextTestSupport.moduleOfSink(server, server.sinkName()));
            long gone = System.nanoTime();
            List<Packet> silent = ContextTestSupport.record(stream, Duration.ofMillis(2500));
            // PipeWire puts its dummy sink in at once (a sink after all); PulseAudio has none left
            System.out.printf("%s: sinks left: %s%n", kind, server.pactl("list", "short", "sinks").strip());
            List<Packet> later = after(silent, gone, Duration.ofMillis(500));
            long span = later.get(later.size() - 1).receivedNanos() - later.get(0).receivedNanos();
            double perSecond = (later.size() - 1) * 1e9 / span;
            assertEquals(100, perSecond, 25, "packets keep coming on the real-time clock: " + later.size()
                    + " in " + span / 1_000_000 + " ms");
            assertTrue(later.stream().allMatch(Packet::silent), "silent packets while there is no output");
            assertTrue(level(samples(silent), RATE, server.sineFrequencyHz()) < 1e-4, "never the microphone");
            for (int i = 1; i < later.size(); i++) {
                assertEquals(later.get(i - 1).position() + 480, later.get(i).position(), "positions continue");
                long dt = later.get(i).timestampNanos() - later.get(i - 1).timestampNanos();
                assertEquals(10_000_000, dt, 3_000_000, "timestamps 10 ms apart");
            }
            long appeared = System.nanoTime();
            int module = server.loadNullSink("pac_follow_new");
            try (PulseServer.Player player = server.playTone("pac_follow_new", 2000)) {
                server.pactl("set-default-sink", "pac_follow_new");
                List<Packet> back = ContextTestSupport.record(stream, afterChange(server));
                // the stream re-attaches at once, but a PulseAudio null sink created just now
                // renders its first block up to 2 s later: the first packet from it comes then
                long ms = assertRouteChanged("an output appeared", back, appeared,
                        kind == AudioServer.Kind.PULSEAUDIO ? 2500 : EVENT_DEADLINE_MILLIS);
                System.out.printf("%s: an output appeared, ROUTE_CHANGED after %d ms%n", kind, ms);
                Packet route = back.stream().filter(Packet::routeChanged).reduce((x, y) -> y).orElseThrow();
                assertTone("the new output", after(back, route.receivedNanos(), SETTLE), 2000);
            } finally {
                server.unloadModule(module);
            }
        } finally {
            close(server);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void theDefaultInputFollowsANewDefaultInputAndBackWhenItGoes(AudioServer server) throws Exception {
        ContextTestSupport.restoreDefaults(server);
        int sink = server.loadNullSink("pac_follow_mic_sink");
        int source = -1;
        try (PulseServer.Player player = server.playTone("pac_follow_mic_sink", 3000);
             AudioCapture capture = ContextTestSupport.capture(server);
             AudioStream stream = capture.openStream(defaultInput())) {
            source = ContextTestSupport.loadRemapSource(server, "pac_follow_mic", "pac_follow_mic_sink");
            List<Packet> before = ContextTestSupport.record(stream, warmUp(server).plus(Duration.ofSeconds(1)));
            assertTone("the microphone", lastSecond(before), server.sineFrequencyHz(), 3000);
            server.pactl("set-default-source", "pac_follow_mic");
            long changed = System.nanoTime();
            List<Packet> packets = ContextTestSupport.record(stream, afterChange(server));
            long ms = assertRouteChanged("new default input", concat(before, packets), changed);
            System.out.printf("%s: default input changed, ROUTE_CHANGED after %d ms%n", server.kind(), ms);
            Packet route = firstRouteChange(packets);
            assertTone("the new input", after(packets, route.receivedNanos(), SETTLE), 3000,
                    server.sineFrequencyHz());
            server.unloadModule(source);
            source = -1;
            server.pactl("set-default-source", server.sineSourceName());
            long gone = System.nanoTime();
            List<Packet> back = ContextTestSupport.record(stream, afterChange(server));
            assertRouteChanged("back to the microphone", back, gone);
            Packet last = back.stream().filter(Packet::routeChanged).reduce((x, y) -> y).orElseThrow();
            assertTone("the microphone again", after(back, last.receivedNanos(), SETTLE), server.sineFrequencyHz());
        } finally {
            if (source >= 0) {
                server.unloadModule(source);
            }
            ContextTestSupport.restoreDefaults(server);
            server.unloadModule(sink);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void aDefaultInputThatIsAnOutputsLoopbackIsNeverCaptured(AudioServer server) throws Exception {
        ContextTestSupport.restoreDefaults(server);
        try (PulseServer.Player player = server.playTone(1000)) {
            server.pactl("set-default-source", server.monitorOfSink());
            try (AudioCapture capture = ContextTestSupport.capture(server);
                 AudioStream stream = capture.openStream(defaultInput())) {
                List<Packet> packets = ContextTestSupport.record(stream, Duration.ofMillis(1500));
                List<Packet> later = after(packets, packets.get(0).receivedNanos(), Duration.ofMillis(300));
                assertTrue(later.size() > 80, "silent packets on the clock: " + later.size() + " in 1.2 s");
                assertTrue(packets.stream().allMatch(Packet::silent), "all silent");
                assertTrue(level(samples(packets), RATE, 1000) < 1e-4, "the output's 1 kHz is not captured");
                assertTrue(capture.devices().stream().noneMatch(d -> d.direction() == AudioDevice.Direction.INPUT
                        && d.isDefault()), "no input is the default: " + capture.devices());
                server.pactl("set-default-source", server.sineSourceName());
                long changed = System.nanoTime();
                List<Packet> back = ContextTestSupport.record(stream, afterChange(server));
                assertRouteChanged("an input is the default again", back, changed);
                Packet route = firstRouteChange(back);
                assertTone("the microphone", after(back, route.receivedNanos(), SETTLE), server.sineFrequencyHz(), 1000);
            }
        } finally {
            ContextTestSupport.restoreDefaults(server);
        }
    }

    private static List<Packet> concat(List<Packet> a, List<Packet> b) {
        List<Packet> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
