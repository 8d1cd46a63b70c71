package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's Flight Recorder events, recorded with {@link Recording} and read back
 * from the file with {@link RecordingFile}, as an operator would.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JfrEventsTest {

    private static List<RecordedEvent> record(Path file, ThrowingRunnable work) throws Exception {
        try (Recording recording = new Recording()) {
            for (String name : List.of("StreamOpened", "StreamClosed", "Overrun", "RouteChanged", "LeakReclaimed",
                    "BackendDisconnected")) {
                recording.enable("io.github.panamaaudio." + name);
            }
            recording.start();
            work.run();
            recording.stop();
            recording.dump(file);
        }
        return RecordingFile.readAllEvents(file);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    private static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals("io.github.panamaaudio." + name))
                .toList();
    }

    /** Takes one packet and drops it without close(), in a frame of its own. */
    private static void dropOnePacket(AudioStream stream) throws AudioException {
        stream.next();
    }

    @Test
    void openCloseAndLeakEventsAreRecordedInTheAudioCaptureCategory(@TempDir Path dir) throws Exception {
        List<RecordedEvent> events = record(dir.resolve("r.jfr"), () -> {
            try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
                 AudioStream stream = capture.openStream(StreamConfig.builder().name("jfr-stream")
                         .device("pattern?paced=false").initialSegments(1).maxSegments(1).build())) {
                dropOnePacket(stream);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (stream.poolStats().leaks() == 0 && System.nanoTime() - deadline < 0) {
                    System.gc();
                    Thread.sleep(10);
                }
                assertEquals(1, stream.poolStats().leaks());
                for (int i = 0; i < 10; i++) {
                    stream.next().close();
                }
            }
        });
        RecordedEvent opened = named(events, "StreamOpened").getFirst();
        assertEquals("jfr-stream", opened.getString("stream"));
        assertEquals("tone", opened.getString("backend"));
        assertEquals("device 'pattern?paced=false'", opened.getString("source"));
        assertEquals(1, opened.getInt("maxSegments"));
        assertEquals(List.of("Audio Capture"), opened.getEventType().getCategoryNames());
        RecordedEvent leak = named(events, "LeakReclaimed").getFirst();
        assertEquals("packet", leak.getString("what"));
        RecordedEvent closed = named(events, "StreamClosed").getFirst();
        assertEquals(11, closed.getLong("packets"));
        assertEquals(1, closed.getLong("leaks"));
        assertFalse(closed.getBoolean("reclaimed"));
    }

    @Test
    void aKilledServerRecordsBackendDisconnected(@TempDir Path dir) throws Exception {
        try (PulseServer server = PulseServer.start()) {
            List<RecordedEvent> events = record(dir.resolve("k.jfr"), () -> {
                try (AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", server.address())
                        .open();
                     AudioStream stream = capture.openStream(StreamConfig.builder().name("doomed-stream")
                             .device(PulseServer.SINE_SOURCE).build())) {
                    stream.next().close();
                    server.kill();
                    AudioException e = assertThrows(AudioException.class, () -> {
                        for (;;) {
                            stream.next(Duration.ofSeconds(2)).ifPresent(AudioPacket::close);
                        }
                    });
                    assertEquals(AudioException.Kind.BACKEND_DISCONNECTED, e.kind());
                }
            });
            RecordedEvent lost = named(events, "BackendDisconnected").getFirst();
            assertEquals("pulse", lost.getString("backend"));
            assertEquals("doomed-stream", lost.getString("stream"));
            assertTrue(lost.getString("detail").contains("reading doomed-stream"), lost.getString("detail"));
        }
    }
}
