package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.AudioApplication;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioEvent;
import io.github.panamaaudio.SampleFormat;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What {@code monitor --events} prints for each event and what {@code devices}
 * prints for each device and application, in words and as JSON, from values built
 * here (the backend's own events and applications are covered by CliEventsAndAppsIT).
 */
class EventAndDeviceTextTest {

    static final Instant WHEN = Instant.parse("2026-12-01T21:36:50.123456789Z");
    static final AudioDevice SINK = new AudioDevice("pac_x", "Null Output", AudioDevice.Direction.OUTPUT, false,
            SampleFormat.S16LE, 48_000, 2);
    static final AudioDevice MIC = new AudioDevice("mic", "USB \"Mic\"", AudioDevice.Direction.INPUT, true,
            null, 44_100, 1);
    static final AudioApplication PLAYER = new AudioApplication(OptionalLong.of(4242), "A", "pacat",
            List.of(new AudioApplication.PlaybackStream(7, "tone", "pac_sink"),
                    new AudioApplication.PlaybackStream(9, "", "")));

    @Test
    void anEventLineIsTimeInUtcToTheMillisecondTypeAndTheDevice() {
        assertEquals("2026-12-01T21:36:50.123Z  DEVICE_ADDED  output pac_x \"Null Output\"",
                Words.event(new AudioEvent(AudioEvent.Type.DEVICE_ADDED, Optional.of(SINK), Optional.empty(), 0),
                        WHEN));
        assertEquals("2026-12-01T21:36:50.000Z  DEFAULT_INPUT_CHANGED  input mic (default) \"USB \"Mic\"\"",
                Words.event(new AudioEvent(AudioEvent.Type.DEFAULT_INPUT_CHANGED, Optional.of(MIC),
                        Optional.empty(), 0), Instant.parse("2026-12-01T21:36:50Z")),
                "a whole second keeps its .000: lines stay aligned");
    }

    @Test
    void aDefaultChangeToNothingSaysSo() {
        assertEquals("2026-12-01T21:36:50.123Z  DEFAULT_OUTPUT_CHANGED  no default output",
                Words.event(new AudioEvent(AudioEvent.Type.DEFAULT_OUTPUT_CHANGED, Optional.empty(),
                        Optional.empty(), 0), WHEN));
    }

    @Test
    void anApplicationEventNamesPidNameBinaryAndWhereItsStreamsPlay() {
        assertEquals("2026-12-01T21:36:50.123Z  APPLICATION_STARTED  application pid 4242 \"A\" (pacat): "
                        + "tone -> pac_sink; #9 -> ?",
                Words.event(new AudioEvent(AudioEvent.Type.APPLICATION_STARTED, Optional.empty(),
                        Optional.of(PLAYER), 0), WHEN));
        AudioApplication gone = new AudioApplication(OptionalLong.empty(), "B", "", List.of());
        assertEquals("2026-12-01T21:36:50.123Z  APPLICATION_ENDED  application pid ? \"B\"",
                Words.event(new AudioEvent(AudioEvent.Type.APPLICATION_ENDED, Optional.empty(),
                        Optional.of(gone), 0), WHEN));
    }

    @Test
    void anEventAsJsonParsesAndCarriesEveryField() {
        Map<String, Object> e = JsonReader.object(JsonReader.parse(Json.event(new AudioEvent(
                AudioEvent.Type.APPLICATION_STARTED, Optional.empty(), Optional.of(PLAYER), 0), WHEN)));
        assertEquals("2026-12-01T21:36:50.123Z", e.get("time"));
        assertEquals("APPLICATION_STARTED", e.get("type"));
        assertNull(e.get("device"));
        Map<String, Object> app = JsonReader.object(e.get("application"));
        assertEquals(4242.0, app.get("pid"));
        assertEquals("A", app.get("name"));
        assertEquals("pacat", app.get("binary"));
        Map<String, Object> stream = JsonReader.object(JsonReader.array(app.get("streams")).getFirst());
        assertEquals(Map.of("index", 7.0, "title", "tone", "output", "pac_sink"), stream);

        Map<String, Object> d = JsonReader.object(JsonReader.object(JsonReader.parse(Json.event(new AudioEvent(
                AudioEvent.Type.DEVICE_REMOVED, Optional.of(MIC), Optional.empty(), 0), WHEN))).get("device"));
        assertEquals("USB \"Mic\"", d.get("description"));
        assertEquals("input", d.get("direction"));
        assertEquals(Boolean.TRUE, d.get("default"));
        assertNull(d.get("format"), "a native format none of ours is null");
    }

    @Test
    void jsonStringsEscapeQuotesBackslashesAndControlCharactersAndKeepUnicode() {
        String nasty = "a\"b\\c\nd\te\u0001f\u007f Ünïcödé 🎵";
        assertEquals(nasty, JsonReader.parse(Json.string(nasty)));
        assertTrue(Json.string("\u0001").equals("\"\\u0001\""), Json.string("\u0001"));
    }

    @Test
    void theDeviceTablesSplitInputsFromOutputsAndShareTheirColumns() {
        StringWriter text = new StringWriter();
        DevicesCommand.printTables(new PrintWriter(text, true), "pulse", List.of(SINK, MIC), List.of(PLAYER));
        List<String> lines = text.toString().lines().toList();
        assertEquals(List.of(
                "Inputs (backend pulse):",
                "  ID     DEFAULT  FORMAT               DESCRIPTION",
                "  mic    yes      44100 Hz 1 ch        USB \"Mic\"",
                "",
                "Outputs (capturing one records its loopback):",
                "  ID     DEFAULT  FORMAT               DESCRIPTION",
                "  pac_x  -        S16LE 48000 Hz 2 ch  Null Output",
                "",
                "Applications playing:",
                "  PID   NAME  BINARY  STREAMS (title -> output)",
                "  4242  A     pacat   tone -> pac_sink; #9 -> ?"), lines);
    }
}
