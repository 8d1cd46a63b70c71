package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The synthetic backend delivers exactly what it promises; no server involved. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ToneBackendTest {

    private static AudioCapture tone() throws AudioException {
        return AudioCapture.builder().backend("tone").open();
    }

    @Test
    void testPatternBytesAreTheStreamOffsetModulo251() throws Exception {
        try (AudioCapture capture = tone();
             AudioStream stream = capture.openStream(StreamConfig.builder().format(SampleFormat.S16LE)
                     .sampleRate(44_100).channels(3).device("pattern?paced=false").build())) {
            long offset = 0;
            for (int i = 0; i < 2_000; i++) {
                try (AudioPacket p = stream.next()) {
                    assertEquals(i, p.sequence(), "sequence numbers have no gaps");
                    assertEquals(441, p.frames());
                    assertEquals(441 * 3 * 2, p.segment().byteSize());
                    MemorySegment s = p.segment();
                    for (long b = 0; b < s.byteSize(); b++, offset++) {
                        byte expected = (byte) (offset % 251);
                        if (s.get(ValueLayout.JAVA_BYTE, b) != expected) {
                            throw new AssertionError("byte " + offset + " is " + s.get(ValueLayout.JAVA_BYTE, b)
                                    + ", expected " + expected);
                        }
                    }
                }
            }
        }
    }

    @Test
    void sineSamplesMatchTheFormulaWithinOneStep() throws Exception {
        double freq = 1234.5;
        double amp = 0.8;
        try (AudioCapture capture = tone();
             AudioStream stream = capture.openStream(StreamConfig.builder().format(SampleFormat.S16LE)
                     .sampleRate(48_000).channels(2).device("sine?frequency=" + (freq) + "&amplitude=" + (amp) + "&paced=false").build())) {
            long frame = 0;
            int maxError = 0;
            ValueLayout.OfShort s16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < 500; i++) {
                try (AudioPacket p = stream.next()) {
                    for (int f = 0; f < p.frames(); f++, frame++) {
                        long expected = Math.round(amp * Math.sin(2 * Math.PI * freq * frame / 48_000.0) * 32767);
                        for (int ch = 0; ch < 2; ch++) {
                            short got = p.segment().get(s16, (f * 2L + ch) * 2);
                            maxError = Math.max(maxError, (int) Math.abs(got - expected));
                        }
                    }
                }
            }
            assertTrue(maxError <= 1, "largest deviation from the formula: " + maxError + " steps");
        }
    }

    @Test
    void pacedStreamDeliversAudioInRealTime() throws Exception {
        try (AudioCapture capture = tone();
             AudioStream stream = capture.openStream(StreamConfig.builder().build())) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 50; i++) {
                try (AudioPacket p = stream.next()) {
                    assertTrue(p.timestampNanos() >= t0 - TimeUnit.MILLISECONDS.toNanos(20),
                            "timestamps are on the System.nanoTime clock");
                }
            }
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(elapsedMs >= 480, "50 packets of 10 ms took " + elapsedMs + " ms");
        }
    }

    @Test
    void silentToneIsFlaggedSilent() throws Exception {
        try (AudioCapture capture = tone();
             AudioStream stream = capture.openStream(StreamConfig.builder().device("sine?frequency=" + (440) + "&amplitude=" + (0) + "&paced=false").build())) {
            try (AudioPacket p = stream.next()) {
                assertTrue(p.isSilent());
            }
        }
        try (AudioCapture capture = tone();
             AudioStream stream = capture.openStream(StreamConfig.builder().device("sine?frequency=" + (440) + "&amplitude=" + (0.5) + "&paced=false").build())) {
            try (AudioPacket p = stream.next()) {
                assertTrue(!p.isSilent());
            }
        }
    }

    @Test
    void unknownToneDeviceIsDeviceNotFound() throws Exception {
        try (AudioCapture capture = tone()) {
            AudioException e = org.junit.jupiter.api.Assertions.assertThrows(AudioException.class,
                    () -> capture.openStream(StreamConfig.builder().device("mic").build()));
            assertEquals(AudioException.Kind.DEVICE_NOT_FOUND, e.kind());
        }
    }

    @Test
    void nextWithDurationReturnsEmptyOnTimeout() throws Exception {
        try (AudioCapture capture = tone();
             AudioStream stream = capture.openStream(StreamConfig.builder()
                     .packetDuration(Duration.ofMillis(500)).build())) {
            assertTrue(stream.next(Duration.ofMillis(20)).isEmpty());
            try (AudioPacket p = stream.next(Duration.ofSeconds(2)).orElseThrow()) {
                assertEquals(0, p.sequence(), "the timed-out wait consumed nothing");
            }
        }
    }
}
