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
                Arguments.of("source.deviceId", (Consumer<StreamConfig.Builder>) b -> b.device("")),
                Arguments.of("source.deviceId", (Consumer<StreamConfig.Builder>) b -> b.device("a\u0000b")),
                Arguments.of("source.deviceId", (Consumer<StreamConfig.Builder>) b -> b.device("line\nfeed")),
                Arguments.of("source.deviceId", (Consumer<StreamConfig.Builder>) b -> b.device("x".repeat(1025))),
                Arguments.of("source.deviceId", (Consumer<StreamConfig.Builder>) b -> b.device("bad\uD800surrogate")),
                Arguments.of("source.processId", (Consumer<StreamConfig.Builder>) b -> b.source(StreamConfig.Source.application(0))),
                Arguments.of("source.processId", (Consumer<StreamConfig.Builder>) b -> b.source(StreamConfig.Source.application(-5))),
                Arguments.of("source.processId", (Consumer<StreamConfig.Builder>) b -> b.source(StreamConfig.Source.application(1L << 32))),
                Arguments.of("source.application", (Consumer<StreamConfig.Builder>) b -> b.source(StreamConfig.Source.application(""))),
                Arguments.of("source.application", (Consumer<StreamConfig.Builder>) b -> b.source(StreamConfig.Source.application("x".repeat(256)))),
                Arguments.of("source.application", (Consumer<StreamConfig.Builder>) b -> b.source(StreamConfig.Source.application("tab\there"))));
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
        assertEquals(StreamConfig.Source.Kind.DEFAULT_INPUT, c.source().kind());
    }

    @Test
    void packetFramesRoundToTheNearestFrame() {
        assertEquals(441, StreamConfig.builder().sampleRate(44_100).build().packetFrames());
        assertEquals(11, StreamConfig.builder().sampleRate(11_025).packetDuration(Duration.ofMillis(1)).build().packetFrames());
    }

    @Test
    void captureBuilderRejectsBadBackendOptionsAndTimeout() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AudioCapture.builder().backend("alsa"))
                .getMessage().startsWith("backend "));
        assertEquals("option server = \" \" is not allowed: a non-blank value without NUL or newline characters",
                assertThrows(IllegalArgumentException.class,
                        () -> AudioCapture.builder().backend("pulse").option("server", " ").open()).getMessage());
        assertEquals("option \"frequency\" is not one the tone backend takes; it takes none",
                assertThrows(IllegalArgumentException.class,
                        () -> AudioCapture.builder().backend("tone").option("frequency", "440").open()).getMessage());
        assertEquals("option \"sever\" is not one the pulse backend takes; it takes [server]",
                assertThrows(IllegalArgumentException.class,
                        () -> AudioCapture.builder().backend("pulse").option("sever", "x").open()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AudioCapture.builder().timeout(Duration.ZERO))
                .getMessage().startsWith("timeout "));
    }
}
