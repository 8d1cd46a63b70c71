package io.github.panamaaudio;

import static io.github.panamaaudio.ContextTestSupport.EVENT_DEADLINE_MILLIS;
import static io.github.panamaaudio.ContextTestSupport.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.ContextTestSupport.EventLog;
import io.github.panamaaudio.testing.AudioServer;
import io.github.panamaaudio.testing.AudioServers;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * Device events from the capture's context (pa_context_subscribe in the shim), on
 * both servers: a sink loaded and unloaded, the default output and the default
 * input changed — each event arrives once, within 500 ms of pactl's return, and
 * names the right device. A sink's loopback (its monitor source) is never an event
 * of its own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeviceEventsTest {

    private static final Duration WAIT = Duration.ofSeconds(3);
    /** After the awaited event, how long to look for a duplicate. */
    private static final Duration DUPLICATE_WINDOW = Duration.ofMillis(800);

    private static long millisSince(long t0, EventLog.Seen seen) {
        return TimeUnit.NANOSECONDS.toMillis(seen.atNanos() - t0);
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void aLoadedSinkIsOneOutputAddedAndItsUnloadOneOutputRemovedEachWithin500ms(AudioServer server)
            throws Exception {
        EventLog log = new EventLog();
        int module = -1;
        try (AudioCapture capture = ContextTestSupport.capture(server)) {
            capture.addListener(log);
            log.settle(Duration.ofMillis(300));
            long before = System.nanoTime();
            module = server.loadNullSink("pac_evt_sink");
            long loaded = System.nanoTime();
            EventLog.Seen added = log.await(is(AudioEvent.Type.DEVICE_ADDED, "pac_evt_sink"), WAIT);
            assertNotNull(added, "DEVICE_ADDED pac_evt_sink");
            AudioDevice d = added.event().device().orElseThrow();
            assertEquals(AudioDevice.Direction.OUTPUT, d.direction());
            assertEquals(48_000, d.sampleRate());
            assertEquals(2, d.channels());
            long ms = millisSince(loaded, added);
            System.out.printf("%s: DEVICE_ADDED %d ms after pactl returned%n", server.kind(), ms);
            assertTrue(ms < EVENT_DEADLINE_MILLIS, "DEVICE_ADDED after " + ms + " ms");
            Thread.sleep(DUPLICATE_WINDOW.toMillis());
            assertEquals(1, log.since(before, is(AudioEvent.Type.DEVICE_ADDED, "pac_evt_sink")).size(),
                    "once: " + log.since(before, e -> true));
            assertEquals(List.of(), log.since(before, e -> e.type() == AudioEvent.Type.DEVICE_ADDED
                    && e.device().orElseThrow().direction() == AudioDevice.Direction.INPUT),
                    "its loopback is no input of its own");

            long unloading = System.nanoTime();
            server.unloadModule(module);
            module = -1;
            long unloaded = System.nanoTime();
            EventLog.Seen removed = log.await(is(AudioEvent.Type.DEVICE_REMOVED, "pac_evt_sink"), WAIT);
            assertNotNull(removed, "DEVICE_REMOVED pac_evt_sink");
            assertEquals(AudioDevice.Direction.OUTPUT, removed.event().device().orElseThrow().direction());
            ms = millisSince(unloaded, removed);
            System.out.printf("%s: DEVICE_REMOVED %d ms after pactl returned%n", server.kind(), ms);
            assertTrue(ms < EVENT_DEADLINE_MILLIS, "DEVICE_REMOVED after " + ms + " ms");
            Thread.sleep(DUPLICATE_WINDOW.toMillis());
            assertEquals(1, log.since(unloading, is(AudioEvent.Type.DEVICE_REMOVED, "pac_evt_sink")).size(),
                    "once: " + log.since(unloading, e -> true));
        } finally {
            if (module >= 0) {
                server.unloadModule(module);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void changingTheDefaultOutputIsOneDefaultOutputChangedNamingTheNewDefaultWithin500ms(AudioServer server)
            throws Exception {
        EventLog log = new EventLog();
        int module = server.loadNullSink("pac_evt_default");
        try (AudioCapture capture = ContextTestSupport.capture(server)) {
            capture.addListener(log);
            log.settle(Duration.ofMillis(300));
            long before = System.nanoTime();
            server.pactl("set-default-sink", "pac_evt_default");
            long changed = System.nanoTime();
            EventLog.Seen seen = log.await(is(AudioEvent.Type.DEFAULT_OUTPUT_CHANGED, "pac_evt_default"), WAIT);
            assertNotNull(seen, "DEFAULT_OUTPUT_CHANGED pac_evt_default; got " + log.since(before, e -> true));
            AudioDevice d = seen.event().device().orElseThrow();
            assertEquals(AudioDevice.Direction.OUTPUT, d.direction());
            assertTrue(d.isDefault(), "the event's device is the new default: " + d);
            long ms = millisSince(changed, seen);
            System.out.printf("%s: DEFAULT_OUTPUT_CHANGED %d ms after pactl returned%n", server.kind(), ms);
            assertTrue(ms < EVENT_DEADLINE_MILLIS, "DEFAULT_OUTPUT_CHANGED after " + ms + " ms");
            Thread.sleep(DUPLICATE_WINDOW.toMillis());
            assertEquals(1, log.since(before, e -> e.type() == AudioEvent.Type.DEFAULT_OUTPUT_CHANGED).size(),
                    "once: " + log.since(before, e -> true));
            assertEquals(List.of(), log.since(before, e -> e.type() == AudioEvent.Type.DEFAULT_INPUT_CHANGED),
                    "the default input did not change");
            assertTrue(capture.devices().stream().anyMatch(x -> x.id().equals("pac_evt_default") && x.isDefault()));
        } finally {
            ContextTestSupport.restoreDefaults(server);
            server.unloadModule(module);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void changingTheDefaultInputIsOneDefaultInputChangedNamingTheNewDefaultWithin500ms(AudioServer server)
            throws Exception {
        EventLog log = new EventLog();
        int sink = server.loadNullSink("pac_evt_mic_sink");
        try (AudioCapture capture = ContextTestSupport.capture(server)) {
            capture.addListener(log);
            log.settle(Duration.ofMillis(300));
            long before = System.nanoTime();
            int source = ContextTestSupport.loadRemapSource(server, "pac_evt_mic", "pac_evt_mic_sink");
            long loaded = System.nanoTime();
            try {
                EventLog.Seen added = log.await(is(AudioEvent.Type.DEVICE_ADDED, "pac_evt_mic"), WAIT);
                assertNotNull(added, "DEVICE_ADDED pac_evt_mic; got " + log.since(before, e -> true));
                assertEquals(AudioDevice.Direction.INPUT, added.event().device().orElseThrow().direction());
                assertTrue(millisSince(loaded, added) < EVENT_DEADLINE_MILLIS, "input added after "
                        + millisSince(loaded, added) + " ms");
                log.settle(Duration.ofMillis(300));
                long set = System.nanoTime();
                server.pactl("set-default-source", "pac_evt_mic");
                long changed = System.nanoTime();
                EventLog.Seen seen = log.await(is(AudioEvent.Type.DEFAULT_INPUT_CHANGED, "pac_evt_mic"), WAIT);
                assertNotNull(seen, "DEFAULT_INPUT_CHANGED pac_evt_mic; got " + log.since(set, e -> true));
                AudioDevice d = seen.event().device().orElseThrow();
                assertEquals(AudioDevice.Direction.INPUT, d.direction());
                assertTrue(d.isDefault(), "the event's device is the new default: " + d);
                long ms = millisSince(changed, seen);
                System.out.printf("%s: DEFAULT_INPUT_CHANGED %d ms after pactl returned%n", server.kind(), ms);
                assertTrue(ms < EVENT_DEADLINE_MILLIS, "DEFAULT_INPUT_CHANGED after " + ms + " ms");
                Thread.sleep(DUPLICATE_WINDOW.toMillis());
                assertEquals(1, log.since(set, e -> e.type() == AudioEvent.Type.DEFAULT_INPUT_CHANGED).size(),
                        "once: " + log.since(set, e -> true));
                assertEquals(List.of(), log.since(set, e -> e.type() == AudioEvent.Type.DEFAULT_OUTPUT_CHANGED),
                        "the default output did not change");
            } finally {
                ContextTestSupport.restoreDefaults(server);
                server.unloadModule(source);
            }
            EventLog.Seen removed = log.await(is(AudioEvent.Type.DEVICE_REMOVED, "pac_evt_mic"), WAIT);
            assertNotNull(removed, "DEVICE_REMOVED pac_evt_mic");
            assertEquals(AudioDevice.Direction.INPUT, removed.event().device().orElseThrow().direction());
        } finally {
            server.unloadModule(sink);
        }
    }
}
