package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every invalid field is rejected with its name, before anything in C runs. */
class StreamConfigValidationTest {

    static Stream<Arguments> invalidFields() {
        return Stream.of(
                Arguments.of("sampleRate", (Consumer<StreamConfig.Builder>) b -> b.sampleRate(7_999)),
                Arguments.of("sampleRate", (Consumer<StreamConfig.Builder>) b -> b.sampleRate(384_001)),
                Arguments.of("channels", (Consumer<StreamConfig.Builder>) b -> b.channels(0)),
                Arguments.of("channels", (Consumer<StreamConfig.Builder>) b -> b.channels(33)),
                Arguments.of("packetDuration", (Consumer<StreamConfig.Builder>) b -> b.packetDuration(Duration.ZERO)),
                Arguments.of("packetDuration", (Consumer<StreamConfig.Builder>) b -> b.packetDuration(Duration.ofMillis(1001))),
                Arguments.of("packetDuration", (Consumer<StreamConfig.Builder>) b -> b.packetDuration(Duration.ofMillis(-5))),
                Arguments.of("bufferDuration", (Consumer<StreamConfig.Builder>) b -> b.bufferDuration(Duration.ofMillis(9))),
                Arguments.of("bufferDuration", (Consumer<StreamConfig.Builder>) b -> b.bufferDuration(Duration.ofMinutes(2))),
                Arguments.of("initialSegments", (Consumer<StreamConfig.Builder>) b -> b.initialSegments(0)),
                Arguments.of("maxSegments", (Consumer<StreamConfig.Builder>) b -> b.maxSegments(0)),
                Arguments.of("maxSegments", (Consumer<StreamConfig.Builder>) b -> b.maxSegments(65_537)),
                Arguments.of("initialSegments", (Consumer<StreamConfig.Builder>) b -> b.initialSegments(10).maxSegments(5).build()),
                Arguments.of("name", (Consumer<StreamConfig.Builder>) b -> b.name("")),
                Arguments.of("name", (Consumer<StreamConfig.Builder>) b -> b.name("has space")),
                Arguments.of("device.name", (Consumer<StreamConfig.Builder>) b -> b.device("")),
                Arguments.of("device.name", (Consumer<StreamConfig.Builder>) b -> b.device("a\u0000b")),
                Arguments.of("device.name", (Consumer<StreamConfig.Builder>) b -> b.device("line\nfeed")),
                Arguments.of("device.name", (Consumer<StreamConfig.Builder>) b -> b.device("x".repeat(1025))),
                Arguments.of("device.name", (Consumer<StreamConfig.Builder>) b -> b.device("bad\uD800surrogate")),
                Arguments.of("toneFrequency", (Consumer<StreamConfig.Builder>) b -> b.tone(-1, 0.5)),
                Arguments.of("toneFrequency", (Consumer<StreamConfig.Builder>) b -> b.sampleRate(8_000).tone(5_000, 0.5).build()),
                Arguments.of("toneAmplitude", (Consumer<StreamConfig.Builder>) b -> b.tone(440, 1.5)),
                Arguments.of("toneAmplitude", (Consumer<StreamConfig.Builder>) b -> b.tone(440, Double.NaN)));
    }

    @ParameterizedTest(name = "{0} #{index}")
    @MethodSource("invalidFields")
    void invalidValuesAreRejectedNamingTheField(String field, Consumer<StreamConfig.Builder> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> change.accept(StreamConfig.builder()));
        assertTrue(e.getMessage().startsWith(field + " ") || e.getMessage().startsWith(field + ":"),
                "message names " + field + ": " + e.getMessage());
    }

    @Test
    void rangeMessagesStateTheAllowedRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StreamConfig.builder().sampleRate(1));
        assertEquals("sampleRate = 1 Hz is outside the allowed range 8000..384000 Hz", e.getMessage());
    }

    @Test
    void defaultsAreTenMillisecondPacketsOfStereo48kS16() {
        StreamConfig c = StreamConfig.builder().build();
        assertEquals(480, c.packetFrames());
        assertEquals(1920, c.packetBytes());
        assertEquals(StreamConfig.Device.Kind.DEFAULT_SOURCE, c.device().kind());
    }

    @Test
    void packetFramesRoundToTheNearestFrame() {
        assertEquals(441, StreamConfig.builder().sampleRate(44_100).build().packetFrames());
        assertEquals(11, StreamConfig.builder().sampleRate(11_025).packetDuration(Duration.ofMillis(1)).build().packetFrames());
    }

    @Test
    void captureBuilderRejectsBadBackendServerAndTimeout() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AudioCapture.builder().backend("alsa"))
                .getMessage().startsWith("backend "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AudioCapture.builder().server(" "))
                .getMessage().startsWith("server "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AudioCapture.builder().timeout(Duration.ZERO))
                .getMessage().startsWith("timeout "));
    }
}
