package io.github.panamaaudio;

import static io.github.panamaaudio.ContextTestSupport.EVENT_DEADLINE_MILLIS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.ContextTestSupport.EventLog;
import io.github.panamaaudio.ContextTestSupport.Packet;
import io.github.panamaaudio.testing.AudioServer;
import io.github.panamaaudio.testing.AudioServers;
import io.github.panamaaudio.testing.PulseServer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * The rest of the context API on both servers: an explicit device that goes away
 * ends its stream with DEVICE_LOST within 1 s (never moved); pause and resume
 * (nothing while paused, a discontinuity after); a device list of 200 outputs and
 * inputs whose descriptions use every kind of UTF-8; the applications playing; and
 * bad input (an unknown device id, a process that does not exist) named in
 * DEVICE_NOT_FOUND.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ContextApiTest {

    // ------------------------------------------------------------------ fail: explicit devices

    /** Reads on another thread until next() throws; the throwable and when. */
    private record Ended(Throwable thrown, long atNanos) {
    }

    private static Thread readUntilFailure(AudioStream stream, AtomicReference<Ended> ended) {
        return Thread.ofPlatform().start(() -> {
            try {
                while (true) {
                    stream.next().close();
                }
            } catch (Throwable t) {
                ended.set(new Ended(t, System.nanoTime()));
            }
        });
    }

    private static void assertDeviceLostWithinOneSecond(String what, AudioStream stream, Runnable unload)
            throws Exception {
        AtomicReference<Ended> ended = new AtomicReference<>();
        stream.next().close();
        Thread reader = readUntilFailure(stream, ended);
        Thread.sleep(300);
        unload.run();
        long unloaded = System.nanoTime();
        reader.join(5_000);
        Ended e = ended.get();
        assertNotNull(e, what + ": next() still returns packets 5 s after the device went");
        assertTrue(e.thrown() instanceof AudioException, what + ": " + e.thrown());
        AudioException ae = (AudioException) e.thrown();
        assertEquals(AudioException.Kind.DEVICE_LOST, ae.kind(), what + ": " + ae.getMessage());
        long ms = TimeUnit.NANOSECONDS.toMillis(e.atNanos() - unloaded);
        System.out.printf("%s: DEVICE_LOST %d ms after the unload%n", what, ms);
        assertTrue(ms < 1000, what + ": DEVICE_LOST " + ms + " ms after the unload");
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void anExplicitOutputThatGoesAwayIsDeviceLostWithinOneSecondNeverAnotherDevice(AudioServer server)
            throws Exception {
        int module = server.loadNullSink("pac_lost_out");
        boolean unloaded = false;
        try (PulseServer.Player player = server.playTone("pac_lost_out", 500);
             AudioCapture capture = ContextTestSupport.capture(server);
             AudioStream stream = capture.openStream(StreamConfig.builder().device("pac_lost_out").build())) {
            assertDeviceLostWithinOneSecond(server.kind() + " output", stream, () -> server.unloadModule(module));
            unloaded = true;
        } finally {
            if (!unloaded) {
                server.unloadModule(module);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void anExplicitInputThatGoesAwayIsDeviceLostWithinOneSecond(AudioServer server) throws Exception {
        int sink = server.loadNullSink("pac_lost_in_sink");
        int source = ContextTestSupport.loadRemapSource(server, "pac_lost_in", "pac_lost_in_sink");
        boolean unloaded = false;
        try (PulseServer.Player player = server.playTone("pac_lost_in_sink", 500);
             AudioCapture capture = ContextTestSupport.capture(server);
             AudioStream stream = capture.openStream(StreamConfig.builder().device("pac_lost_in").build())) {
            assertDeviceLostWithinOneSecond(server.kind() + " input", stream, () -> server.unloadModule(source));
            unloaded = true;
        } finally {
            if (!unloaded) {
                server.unloadModule(source);
            }
            server.unloadModule(sink);
        }
    }

    // ------------------------------------------------------------------ pause

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void aPausedStreamDeliversNothingAndTheFirstPacketAfterResumeIsADiscontinuity(AudioServer server)
            throws Exception {
        try (PulseServer.Player player = server.playTone(1000);
             AudioCapture capture = ContextTestSupport.capture(server);
             AudioStream stream = capture.openStream(StreamConfig.builder().device(server.sinkName())
                     .format(SampleFormat.F32LE).build())) {
            // PulseAudio's null sink renders in blocks of up to 2 s until the player's latency counts
            List<Packet> running = ContextTestSupport.record(stream, Duration.ofMillis(
                    server.kind() == AudioServer.Kind.PULSEAUDIO ? 3000 : 1000));
            assertTrue(running.size() > 50, "capturing before the pause: " + running.size());
            long overruns = stream.overruns();
            stream.pause();
            stream.pause(); // idempotent
            assertTrue(stream.isPaused());
            int during = 0;
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1200);
            while (System.nanoTime() < end) {
                Optional<AudioPacket> p = stream.next(Duration.ofMillis(100));
                if (p.isPresent()) {
                    during++;
                    p.get().close();
                }
            }
            assertEquals(0, during, "packets while paused");
            stream.resume();
            assertFalse(stream.isPaused());
            Packet first;
            try (AudioPacket p = stream.next(Duration.ofSeconds(5)).orElseThrow()) {
                first = ContextTestSupport.packet(stream, p);
            }
            assertTrue(first.discontinuity(), "the first packet after resume is flagged DISCONTINUITY");
            assertFalse(first.routeChanged(), "a resume is no route change");
            assertTrue(first.resumed(), "the shim says it is the resume's: FLAG_RESUMED");
            List<Packet> after = ContextTestSupport.record(stream, Duration.ofMillis(1500));
            assertTrue(after.size() > 100, "capturing again: " + after.size());
            assertTrue(after.stream().noneMatch(Packet::discontinuity), "one discontinuity only");
            assertEquals(overruns, stream.overruns(), "a pause is no overrun");
            double[] x = ContextTestSupport.samples(after.subList(after.size() / 2, after.size()));
            assertTrue(ContextTestSupport.level(x, 48_000, 1000) > 0.1, "the tone again after resume");
        }
    }

    @Test
    void theToneBackendsClockStopsWhilePaused() throws Exception {
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(StreamConfig.builder().build())) {
            long last;
            try (AudioPacket p = stream.next()) {
                last = p.position();
            }
            stream.pause();
            assertTrue(stream.next(Duration.ofMillis(300)).isEmpty(), "nothing while paused");
            stream.resume();
            try (AudioPacket p = stream.next(Duration.ofSeconds(1)).orElseThrow()) {
                assertTrue(p.isDiscontinuity());
                assertTrue(p.isResumed(), "FLAG_RESUMED on the first packet after the resume");
                assertEquals(last + p.frames(), p.position(), "the clock stopped: no frames were skipped");
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                stream.next().close();
            }
            assertTrue(System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(80), "paced again, no burst");
        }
    }

    // ------------------------------------------------------------------ device list

    /** Every kind of UTF-8: 2-, 3- and 4-byte sequences, combining marks, right-to-left scripts. */
    private static final String[] TEXTS = {
        "ñandú café", "Ωμέγα ß", "漢字かなカナ", "😀🎵🎧 ok", "e\u0301 a\u0308 n\u0303 (combining)",
        "עברית", "العربية ١٢٣", "mixed עב and العر", "한국어 ㄱ", "𝄞 𐍈 𝕏", "Ünïcödé – “quotes” …", "ไทย",
    };

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    @Timeout(value = 300, unit = TimeUnit.SECONDS) // 400 pactl runs; PipeWire takes ~0.1 s each, more under load
    void aListOfTwoHundredOutputsAndInputsWithEveryKindOfUtf8ParsesAndTheIdsRoundTrip(AudioServer server)
            throws Exception {
        List<Integer> modules = new ArrayList<>();
        Map<String, String> expected = new HashMap<>(); // id -> description
        Map<String, AudioDevice.Direction> directions = new HashMap<>();
        try {
            // 50 outputs and 150 inputs (three remaps of each output's loopback): PulseAudio
            // runs with 256 file descriptors, a null sink takes about four, a remap none
            for (int i = 0; i < 50; i++) {
                String sink = "pac_u8_out_" + i;
                String desc = "Out " + i + " " + TEXTS[i % TEXTS.length];
                modules.add(Integer.parseInt(server.pactl("load-module", "module-null-sink", "sink_name=" + sink,
                        "rate=48000", "channels=2", "sink_properties='device.description=\"" + desc + "\"'").strip()));
                expected.put(sink, desc);
                directions.put(sink, AudioDevice.Direction.OUTPUT);
                for (int k = 0; k < 3; k++) {
                    String source = "pac_u8_in_" + (3 * i + k);
                    String sdesc = "In " + (3 * i + k) + " " + TEXTS[(3 * i + k + 5) % TEXTS.length];
                    modules.add(Integer.parseInt(server.pactl("load-module", "module-remap-source",
                            "master=" + sink + ".monitor", "source_name=" + source,
                            "source_properties='device.description=\"" + sdesc + "\"'").strip()));
                    expected.put(source, sdesc);
                    directions.put(source, AudioDevice.Direction.INPUT);
                }
            }
            assertEquals(200, expected.size());
            // a graph of 200 devices makes a new stream slow to start (PipeWire: seconds)
            try (AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", server.address())
                    .timeout(Duration.ofSeconds(30)).open()) {
                List<AudioDevice> devices = capture.devices();
                Map<String, AudioDevice> byId = new HashMap<>();
                for (AudioDevice d : devices) {
                    byId.put(d.id(), d);
                }
                for (var e : expected.entrySet()) {
                    AudioDevice d = byId.get(e.getKey());
                    assertNotNull(d, e.getKey() + " listed");
                    assertEquals(e.getValue(), d.description(), e.getKey() + "'s description");
                    assertEquals(directions.get(e.getKey()), d.direction(), e.getKey());
                }
                assertTrue(devices.stream().noneMatch(d -> d.id().endsWith(".monitor")), "no loopback is listed");
                // the ids round-trip: each opens its device (a sample at both ends of the list and the
                // middle; every open is a connection, and on a graph this size a slow one)
                for (int i : new int[] {0, 25, 49}) {
                    for (String id : List.of("pac_u8_out_" + i, "pac_u8_in_" + (3 * i + 1))) {
                        try (AudioStream s = capture.openStream(StreamConfig.builder()
                                .source(StreamConfig.Source.device(byId.get(id))).build())) {
                            s.next(Duration.ofSeconds(3));
                        }
                    }
                }
            }
        } finally {
            for (int i = modules.size() - 1; i >= 0; i--) {
                server.unloadModule(modules.get(i));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void devicesReportTheirNativeFormatAndDefaults(AudioServer server) throws Exception {
        ContextTestSupport.restoreDefaults(server);
        try (AudioCapture capture = ContextTestSupport.capture(server)) {
            List<AudioDevice> devices = capture.devices();
            AudioDevice sink = devices.stream().filter(d -> d.id().equals(server.sinkName())).findFirst().orElseThrow();
            AudioDevice mic = devices.stream().filter(d -> d.id().equals(server.sineSourceName())).findFirst()
                    .orElseThrow();
            assertTrue(sink.isDefault() && mic.isDefault(), devices::toString);
            assertTrue(sink.nativeFormat().isPresent(), "the null sink's format is one of ours: " + sink);
            assertEquals(48_000, sink.sampleRate());
            assertEquals(1, devices.stream().filter(d -> d.isDefault()
                    && d.direction() == AudioDevice.Direction.OUTPUT).count(), "one default output");
            assertEquals(1, devices.stream().filter(d -> d.isDefault()
                    && d.direction() == AudioDevice.Direction.INPUT).count(), "one default input");
        }
    }

    // ------------------------------------------------------------------ applications

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void aPlayerIsListedAsAnApplicationAndItsStartAndEndAreEvents(AudioServer server) throws Exception {
        EventLog log = new EventLog();
        try (AudioCapture capture = ContextTestSupport.capture(server)) {
            capture.addListener(log);
            log.settle(Duration.ofMillis(300));
            PulseServer.Player player = server.playTone(700);
            long pid = player.process().pid();
            long started = System.nanoTime();
            EventLog.Seen start = log.await(e -> e.type() == AudioEvent.Type.APPLICATION_STARTED
                    && e.application().orElseThrow().processId().orElse(0) == pid, Duration.ofSeconds(5));
            assertNotNull(start, "APPLICATION_STARTED for pid " + pid + "; got " + log.since(started, e -> true));
            // a new playback stream is linked to its sink a moment after it appears
            AudioApplication app = null;
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2); System.nanoTime() < end; ) {
                app = capture.applications().stream().filter(a -> a.processId().orElse(0) == pid).findFirst()
                        .orElseThrow(() -> new AssertionError("pid " + pid + " not listed"));
                if (!app.streams().isEmpty() && !app.streams().get(0).outputDeviceId().isEmpty()) {
                    break;
                }
                Thread.sleep(50);
            }
            assertEquals("pacat", app.binary(), app.toString());
            assertFalse(app.name().isEmpty(), app.toString());
            assertEquals(1, app.streams().size(), app.toString());
            assertEquals(server.sinkName(), app.streams().get(0).outputDeviceId(), app.toString());
            player.close();
            long closed = System.nanoTime();
            EventLog.Seen end = log.await(e -> e.type() == AudioEvent.Type.APPLICATION_ENDED
                    && e.application().orElseThrow().processId().orElse(0) == pid, Duration.ofSeconds(5));
            assertNotNull(end, "APPLICATION_ENDED for pid " + pid);
            long ms = TimeUnit.NANOSECONDS.toMillis(end.atNanos() - closed);
            System.out.printf("%s: APPLICATION_ENDED %d ms after the player was killed%n", server.kind(), ms);
            assertTrue(ms < EVENT_DEADLINE_MILLIS + 500, "ended " + ms + " ms after the kill (the server notices the"
                    + " socket close)");
            assertTrue(capture.applications().stream().noneMatch(a -> a.processId().orElse(0) == pid));
        }
    }

    // ------------------------------------------------------------------ bad input

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void anUnknownDeviceIdAndAProcessThatDoesNotExistAreDeviceNotFoundNamingThem(AudioServer server)
            throws Exception {
        try (AudioCapture capture = ContextTestSupport.capture(server)) {
            AudioException e = assertThrows(AudioException.class,
                    () -> capture.openStream(StreamConfig.builder().device("pac_no_such_device").build()));
            assertEquals(AudioException.Kind.DEVICE_NOT_FOUND, e.kind());
            assertTrue(e.getMessage().contains("'pac_no_such_device'"), e.getMessage());
            long pid = ProcessHandle.current().pid();
            long missing = 4_000_000_000L; // above any pid_max
            e = assertThrows(AudioException.class, () -> capture.openStream(StreamConfig.builder()
                    .source(StreamConfig.Source.application(missing)).build()));
            assertEquals(AudioException.Kind.DEVICE_NOT_FOUND, e.kind(), e.getMessage());
            assertTrue(e.getMessage().contains(Long.toString(missing)), e.getMessage());
            assertTrue(pid > 0);
            assertEquals(List.of(), capture.openStreams());
        }
    }

    @Test
    void theToneBackendHasNoEventsAndNoApplications() throws Exception {
        EventLog log = new EventLog();
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open()) {
            capture.addListener(log);
            assertEquals(List.of(), capture.applications());
            assertEquals(2, capture.devices().size());
            assertTrue(capture.devices().get(0).isDefault());
            assertEquals(null, log.await(e -> true, Duration.ofMillis(300)));
        }
    }
}
