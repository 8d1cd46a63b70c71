package io.github.panamaaudio.cli;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.PoolStats;
import io.github.panamaaudio.StreamConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code record}: captures a fixed duration into a WAV file. Each packet goes from
 * its off-heap segment (seen as a direct {@link ByteBuffer}) straight to the file's
 * channel and is closed at once, so the pool keeps recycling the same segments.
 * The file holds exactly {@code round(rate × duration)} frames: the last packet is
 * cut. SIGINT/SIGTERM stop early and still leave a complete file.
 *
 * <p>Thread-safety: one execution at a time.
 */
@Command(name = "record", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Record into a WAV file (default: 5 s of the system's audio, the default output's loopback; "
                + "--app records one application only).")
final class RecordCommand implements Callable<Integer> {

    /** How long one wait for a packet lasts before the stop flag is checked again. */
    private static final long POLL_MILLIS = 100;
    /** Progress line refresh period on a terminal. */
    private static final long PROGRESS_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.wav",
            description = "The WAV file to write (replaced if it exists).")
    Path output;

    @Option(names = {"-d", "--duration"}, paramLabel = "TIME", defaultValue = "5s",
            converter = DurationConverter.class,
            description = "How much audio to record: 3 (seconds), 3s, 1.5s, 500ms, 1m (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Mixin
    StreamOptions stream = new StreamOptions();

    @Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Override
    public Integer call() throws AudioException, IOException {
        // Validate everything before anything in C or on disk is touched.
        stream.backend.builder();
        StreamConfig config = stream.toConfig("record");
        metrics.validate();
        long totalFrames = DurationConverter.frames(duration, config.sampleRate());
        if (totalFrames < 1) {
            throw new IllegalArgumentException("--duration " + DurationConverter.format(duration)
                    + " is less than one frame at " + config.sampleRate() + " Hz");
        }
        long maxBytes = WavWriter.maxDataBytes(config.format(), config.channels());
        if (totalFrames > maxBytes / config.frameBytes()) {
            throw new IllegalArgumentException("--duration " + DurationConverter.format(duration) + ": "
                    + totalFrames + " frames of " + config.frameBytes() + " bytes exceed a WAV file's 4 GiB limit"
                    + " (at most " + maxBytes / config.frameBytes() + " frames)");
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("--output " + output + ": directory " + parent + " does not exist");
        }

        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean terminal = System.console() != null && System.console().isTerminal();
        stream.warnDeprecated(err);

        try (ShutdownSignal stop = ShutdownSignal.install("record");
             AudioCapture capture = stream.backend.open();
             AudioStream audio = stream.openStream(capture, config);
             MetricsEndpoint endpoint = metrics.start(err, audio);
             WavWriter wav = createWav(config)) {
            if (terminal) {
                err.println("recording " + DurationConverter.format(duration) + " of " + stream.sourceLabel()
                        + " (" + audio.backend() + ", " + config.format() + ", " + config.sampleRate() + " Hz, "
                        + config.channels() + " ch) into " + output + "; Ctrl-C stops early");
            }
            Progress progress = terminal ? new Progress(err, config, totalFrames) : null;
            try {
                capture(audio, wav, totalFrames, stop, progress);
            } catch (AudioException | IOException | RuntimeException e) {
                // A capture failure still leaves a valid file of what was captured.
                if (progress != null) {
                    progress.end();
                }
                wav.finish();
                err.println("kept the " + wav.frames() + " frames (" + seconds(wav.frames(), config.sampleRate())
                        + ") captured before the failure in " + output.toAbsolutePath());
                throw e;
            }
            if (progress != null) {
                progress.end();
            }
            wav.finish();
            PoolStats pool = audio.poolStats();
            out.println("wrote " + output.toAbsolutePath());
            out.printf(Locale.ROOT, "frames: %d (%s at %d Hz, %d ch, %s)%s%n", wav.frames(),
                    seconds(wav.frames(), config.sampleRate()), config.sampleRate(), config.channels(),
                    config.format(), wav.frames() < totalFrames
                            ? "; stopped early, " + totalFrames + " requested" : "");
            out.println("overruns: " + audio.overruns());
            out.println(Summaries.pool(pool));
            out.flush();
            return 0;
        }
    }

    private WavWriter createWav(StreamConfig config) throws IOException {
        try {
            return WavWriter.create(output, config.format(), config.sampleRate(), config.channels());
        } catch (IOException e) {
            throw new IOException("--output " + output + ": cannot create the file: " + Main.describe(e), e);
        }
    }

    /** Writes packets until {@code totalFrames} are in the file or a stop is requested. */
    private static void capture(AudioStream audio, WavWriter wav, long totalFrames, ShutdownSignal stop,
                                Progress progress) throws AudioException, IOException {
        int frameBytes = wav.frameBytes();
        while (wav.frames() < totalFrames && !stop.requested()) {
            AudioPacket packet = audio.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            if (packet == null) {
                continue;
            }
            try {
                long frames = Math.min(packet.frames(), totalFrames - wav.frames());
                ByteBuffer samples = packet.segment().asByteBuffer();
                samples.limit((int) (frames * frameBytes));
                wav.write(samples);
                if (progress != null) {
                    progress.update(packet, frames * frameBytes, wav.frames());
                }
            } finally {
                packet.close();
            }
        }
    }

    static String seconds(long frames, int rate) {
        return String.format(Locale.ROOT, "%.3f s", (double) frames / rate);
    }

    /** The single updating line on a terminal: seconds captured and the peak level. */
    private static final class Progress {
        private final PrintWriter err;
        private final StreamConfig config;
        private final long totalFrames;
        private final LevelMeter meter;
        private long nextUpdate = System.nanoTime();

        Progress(PrintWriter err, StreamConfig config, long totalFrames) {
            this.err = err;
            this.config = config;
            this.totalFrames = totalFrames;
            this.meter = new LevelMeter(config.format());
        }

        void update(AudioPacket packet, long bytes, long framesWritten) {
            meter.accept(packet.segment(), bytes);
            long now = System.nanoTime();
            if (now - nextUpdate < 0 && framesWritten < totalFrames) {
                return;
            }
            nextUpdate = now + PROGRESS_NANOS;
            double level = meter.takePeakDbfs();
            err.printf(Locale.ROOT, "\r%8.1f s of %.1f s  level %6.1f dBFS [%s]  ",
                    (double) framesWritten / config.sampleRate(), (double) totalFrames / config.sampleRate(),
                    level, LevelMeter.bar(level));
            err.flush();
        }

        void end() {
            err.println();
            err.flush();
        }
    }
}
