package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.AudioServer;
import io.github.panamaaudio.testing.AudioServers;
import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.Signals;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ArgumentsSource;

/**
 * The library's own capture against both private servers, PulseAudio and
 * PipeWire: the null sink's loopback while a tone plays, and the fake
 * microphone. Only {@link Library} touches the library's API.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CaptureOnBothServersTest {

    /** What a capture is recorded from, in backend-neutral words. */
    enum Source {
        /** The loopback of the server's null sink, named explicitly. */
        SINK_LOOPBACK_BY_NAME,
        /** The loopback of whatever the default output is (the null sink). */
        DEFAULT_OUTPUT_LOOPBACK,
        /** The fake microphone, named explicitly. */
        MICROPHONE_BY_NAME,
        /** Whatever the default input is (the fake microphone). */
        DEFAULT_INPUT
    }

    /** How much each capture records; its content is compared over the last {@link #ANALYSED}. */
    private static final Duration CAPTURED = Duration.ofMillis(1250);
    /**
     * PipeWire starts a new stream with one quantum of zeros and PulseAudio's null
     * sink may hold audio from before the player began: the first 0.5 s are skipped.
     */
    private static final Duration ANALYSED = Duration.ofMillis(750);

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void theNullSinksLoopbackCarriesTheOneKilohertzToneAtItsLevel(AudioServer server) throws Exception {
        try (PulseServer.Player player = server.playTone(1000)) {
            Map<Source, byte[]> captured = Library.captureF32(server,
                    List.of(Source.SINK_LOOPBACK_BY_NAME, Source.DEFAULT_OUTPUT_LOOPBACK), 2, CAPTURED);
            for (var entry : captured.entrySet()) {
                Source source = entry.getKey();
                double[] mono = Signals.toMono(tail(entry.getValue(), 2), "F32LE", 2);
                String what = source + " on " + server.kind();
                assertEquals(1000.0, Signals.dominantFrequency(mono, server.sampleRate()), 1.0, what);
                assertEquals(0.5 / Math.sqrt(2), Signals.rms(mono), 0.02, "the player's level, " + what);
            }
            assertTrue(player.isAlive(), "the tone played throughout");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ArgumentsSource(AudioServers.class)
    void theFakeMicrophoneCarries440Hertz(AudioServer server) throws Exception {
        Map<Source, byte[]> captured = Library.captureF32(server,
                List.of(Source.MICROPHONE_BY_NAME, Source.DEFAULT_INPUT), 1, CAPTURED);
        for (var entry : captured.entrySet()) {
            Source source = entry.getKey();
            double[] mono = Signals.toMono(tail(entry.getValue(), 1), "F32LE", 1);
            String what = source + " on " + server.kind();
            assertEquals(server.sineFrequencyHz(), Signals.dominantFrequency(mono, server.sampleRate()), 1.0, what);
            double rms = Signals.rms(mono);
            double peak = Arrays.stream(mono).map(Math::abs).max().orElseThrow();
            assertTrue(rms > 0.1, "audible: rms " + rms + ", " + what);
            assertEquals(1 / Math.sqrt(2), rms / peak, 0.02, "a pure sine's rms/peak, " + what);
        }
    }

    /** The last {@link #ANALYSED} of 48 kHz float32 audio in {@code channels} channels. */
    private static byte[] tail(byte[] f32, int channels) {
        int keep = (int) (ANALYSED.toMillis() * 48) * 4 * channels;
        return Arrays.copyOfRange(f32, f32.length - keep, f32.length);
    }

    /**
     * The only code here that uses the library's API, which will change with the
     * device model: maps a {@link Source} to a device and records float32 audio.
     */
    private static final class Library {

        private Library() {
        }

        static StreamConfig.Source device(AudioServer server, Source source) {
            return switch (source) {
                case SINK_LOOPBACK_BY_NAME -> StreamConfig.Source.device(server.sinkName()); // an output: its loopback
                case DEFAULT_OUTPUT_LOOPBACK -> StreamConfig.Source.defaultOutput();
                case MICROPHONE_BY_NAME -> StreamConfig.Source.device(server.sineSourceName());
                case DEFAULT_INPUT -> StreamConfig.Source.defaultInput();
            };
        }

        /**
         * At least {@code duration} of interleaved float32le audio from each of
         * {@code sources}, captured at the same time (one stream and one platform
         * thread each), in whole packets.
         */
        static Map<Source, byte[]> captureF32(AudioServer server, List<Source> sources, int channels,
                Duration duration) throws Exception {
            Map<Source, CompletableFuture<byte[]>> running = new EnumMap<>(Source.class);
            for (Source source : sources) {
                CompletableFuture<byte[]> result = new CompletableFuture<>();
                Thread.ofPlatform().name("capture-" + source).start(() -> {
                    try {
                        result.complete(captureF32(server, source, channels, duration));
                    } catch (Throwable t) {
                        result.completeExceptionally(t);
                    }
                });
                running.put(source, result);
            }
            Map<Source, byte[]> captured = new EnumMap<>(Source.class);
            for (var entry : running.entrySet()) {
                try {
                    captured.put(entry.getKey(), entry.getValue().get(30, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
            return captured;
        }

        private static byte[] captureF32(AudioServer server, Source source, int channels, Duration duration)
                throws AudioException {
            try (AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", server.address()).open();
                 AudioStream stream = capture.openStream(StreamConfig.builder()
                         .source(device(server, source)).format(SampleFormat.F32LE)
                         .sampleRate(server.sampleRate()).channels(channels).build())) {
                long frames = duration.toMillis() * server.sampleRate() / 1000;
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                while (stream.frames() < frames) {
                    // PulseAudio's null sink and sine source may stall up to 2 s at first
                    try (AudioPacket packet = stream.next(Duration.ofSeconds(5)).orElseThrow(() ->
                            new AssertionError("no packet for 5 s from " + source + " on " + server.kind()
                                    + " after " + stream.frames() + " frames"))) {
                        out.writeBytes(packet.segment().toArray(ValueLayout.JAVA_BYTE));
                    }
                }
                return out.toByteArray();
            }
        }
    }
}
