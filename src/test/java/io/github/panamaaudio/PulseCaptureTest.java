package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;
import io.github.panamaaudio.testing.Signals;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Capture from a real private PulseAudio server: its sine source (an input) and a sink (an output: its loopback). */
@ExtendWith(PulseServerExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PulseCaptureTest {

    private final PulseServer server;

    PulseCaptureTest(PulseServer server) {
        this.server = server;
    }

    private AudioCapture capture() throws AudioException {
        return AudioCapture.builder().backend("pulse").option("server", server.address()).open();
    }

    /**
     * Captured audio of one stream, with what the test checks on the way. positionGaps
     * counts packets whose position (the server's read index, not a counter of ours)
     * does not continue from the previous packet.
     */
    private record Captured(byte[] bytes, long packets, long positionGaps, long discontinuities) {
    }

    private static Captured captureFor(AudioStream stream, Duration duration) throws AudioException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long frames = (long) (stream.config().sampleRate() * (duration.toNanos() / 1e9));
        long expectedPosition = -1;
        long gaps = 0;
        long packets = 0;
        long discontinuities = 0;
        while (stream.frames() < frames) {
            try (AudioPacket p = stream.next()) {
                if (expectedPosition >= 0 && p.position() != expectedPosition) {
                    gaps++;
                }
                expectedPosition = p.position() + p.frames();
                if (p.isDiscontinuity()) {
                    discontinuities++;
                }
                out.writeBytes(p.segment().toArray(ValueLayout.JAVA_BYTE));
                packets++;
            }
        }
        return new Captured(out.toByteArray(), packets, gaps, discontinuities);
    }

    @ParameterizedTest(name = "{0} {1} ch")
    @CsvSource({"S16LE,1", "S16LE,2", "S32LE,1", "S32LE,2", "F32LE,1", "F32LE,2"})
    void capturesTheSineSourceAt440HzInEveryFormatAndLayout(SampleFormat format, int channels) throws Exception {
        try (AudioCapture capture = capture();
             AudioStream stream = capture.openStream(StreamConfig.builder()
                     .device(server.sineSourceName()).format(format).sampleRate(48_000).channels(channels)
                     .build())) {
            Captured c = captureFor(stream, Duration.ofMillis(2500));
            assertEquals(0, c.positionGaps(), "the server's positions follow each other packet by packet");
            assertEquals(0, c.discontinuities(), "a reader that keeps up sees no overrun");
            assertEquals(0, stream.overruns());
            int frameBytes = channels * format.bytesPerSample();
            assertEquals(c.packets() * 480L * frameBytes, c.bytes().length, "every packet is 10 ms");
            // the last 2 s: the first blocks of a fresh source may stall or burst
            int keep = 96_000 * frameBytes;
            byte[] tail = java.util.Arrays.copyOfRange(c.bytes(), c.bytes().length - keep, c.bytes().length);
            for (int ch = 0; ch < channels; ch++) {
                double[] x = Signals.channel(tail, format.name(), channels, ch);
                double f = Signals.dominantFrequency(x, 48_000);
                assertEquals(440.0, f, 5.0, "dominant frequency of channel " + ch);
                double rms = Signals.rms(x);
                double peak = java.util.Arrays.stream(x).map(Math::abs).max().orElseThrow();
                assertTrue(rms > 0.01, "not silent: rms " + rms);
                assertEquals(1 / Math.sqrt(2), rms / peak, 0.03, "a pure sine's rms/peak, channel " + ch);
            }
        }
    }

    @Test
    void capturesSystemAudioFromTheDefaultSinkMonitor() throws Exception {
        server.pactl("set-default-sink", server.sinkName());
        try (PulseServer.Player player = server.playTone(1000);
             AudioCapture capture = capture();
             AudioStream stream = capture.openStream(StreamConfig.builder()
                     .source(StreamConfig.Source.defaultOutput()).format(SampleFormat.F32LE).build())) {
            Captured c = captureFor(stream, Duration.ofSeconds(3));
            int keep = 72_000 * 8; // the last 1.5 s, stereo float
            byte[] tail = java.util.Arrays.copyOfRange(c.bytes(), c.bytes().length - keep, c.bytes().length);
            double[] mono = Signals.toMono(tail, "F32LE", 2);
            assertEquals(1000.0, Signals.dominantFrequency(mono, 48_000), 5.0);
            assertTrue(Signals.rms(mono) > 0.01, "the tone is audible in the loopback");
            assertTrue(player.isAlive());
        }
    }

    @Test
    void capturesASinkMonitorByName() throws Exception {
        try (PulseServer.Player player = server.playTone(2000);
             AudioCapture capture = capture();
             AudioStream stream = capture.openStream(StreamConfig.builder()
                     .device(server.sinkName()).format(SampleFormat.S16LE).channels(1).build())) {
            Captured c = captureFor(stream, Duration.ofSeconds(3));
            int keep = 72_000 * 2;
            byte[] tail = java.util.Arrays.copyOfRange(c.bytes(), c.bytes().length - keep, c.bytes().length);
            assertEquals(2000.0, Signals.dominantFrequency(Signals.toMono(tail, "S16LE", 1), 48_000), 5.0);
            assertTrue(player.isAlive(), "the tone played throughout");
        }
    }

    @Test
    void listsInputsAndOutputsWithTheirDefaultFlags() throws Exception {
        server.pactl("set-default-sink", server.sinkName());
        server.pactl("set-default-source", server.sineSourceName());
        try (AudioCapture capture = capture()) {
            var devices = capture.devices();
            AudioDevice sine = devices.stream().filter(d -> d.id().equals(server.sineSourceName())).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + server.sineSourceName() + " in " + devices));
            AudioDevice sink = devices.stream().filter(d -> d.id().equals(server.sinkName())).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + server.sinkName() + " in " + devices));
            assertEquals(AudioDevice.Direction.INPUT, sine.direction());
            assertTrue(sine.isDefault());
            assertEquals(AudioDevice.Direction.OUTPUT, sink.direction());
            assertTrue(sink.isDefault());
            assertFalse(sink.description().isEmpty());
            assertTrue(devices.stream().noneMatch(d -> d.id().endsWith(".monitor")),
                    "a loopback is its output, not a device of its own: " + devices);
        }
    }

    @Test
    void aMissingDeviceIsDeviceNotFound() throws Exception {
        try (AudioCapture capture = capture()) {
            AudioException e = org.junit.jupiter.api.Assertions.assertThrows(AudioException.class,
                    () -> capture.openStream(StreamConfig.builder().device("no_such_source").build()));
            assertEquals(AudioException.Kind.DEVICE_NOT_FOUND, e.kind());
            assertTrue(e.getMessage().contains("no_such_source"), e.getMessage());
            assertFalse(e.isRetryable());
        }
    }

    @Test
    void noServerAtTheAddressIsBackendUnavailable() {
        AudioException e = org.junit.jupiter.api.Assertions.assertThrows(AudioException.class,
                () -> AudioCapture.builder().backend("pulse").option("server", "unix:/nonexistent/pulse/native")
                        .timeout(Duration.ofSeconds(2)).open());
        assertEquals(AudioException.Kind.BACKEND_UNAVAILABLE, e.kind());
        assertTrue(e.isRetryable());
    }

    @Test
    void timedOutWaitsConsumeNothing() throws Exception {
        try (AudioCapture capture = capture();
             AudioStream stream = capture.openStream(StreamConfig.builder().device(server.sineSourceName())
                     .packetDuration(Duration.ofMillis(500)).build())) {
            int empty = 0;
            java.util.List<Long> positions = new java.util.ArrayList<>();
            while (positions.size() < 10) { // 5 s: longer than any burst the source delivers at once
                var p = stream.next(Duration.ofMillis(1));
                if (p.isEmpty()) {
                    empty++;
                    continue;
                }
                try (AudioPacket packet = p.get()) {
                    positions.add(packet.position());
                    assertEquals(positions.size() - 1, packet.sequence());
                }
            }
            assertTrue(empty > 0, "some 1 ms waits timed out");
            for (int i = 0; i < positions.size(); i++) {
                assertEquals(i * 24_000L, positions.get(i),
                        "whole packets only, back to back: " + empty + " timeouts consumed nothing");
            }
        }
    }
}
