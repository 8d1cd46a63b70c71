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
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code monitor}: captures and discards, printing a status line every second —
 * a health check of the capture path and, with {@code --metrics-port}, a live
 * source for Prometheus.
 *
 * <p>Thread-safety: one execution at a time.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Capture until stopped (Ctrl-C, SIGTERM), printing packets, overruns and the pool's hit rate "
                + "every second; optionally serve the stream's metrics to Prometheus.")
final class MonitorCommand implements Callable<Integer> {

    private static final long POLL_MILLIS = 100;
    private static final long STATUS_NANOS = TimeUnit.SECONDS.toNanos(1);

    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--duration"}, paramLabel = "TIME", converter = DurationConverter.class,
            description = "Stop after this long: 30s, 5m, ... (default: run until stopped).")
    Duration duration;

    @Mixin
    StreamOptions stream = new StreamOptions();

    @Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Override
    public Integer call() throws AudioException, IOException {
        AudioCapture.Builder captureBuilder = stream.backend.builder();
        StreamConfig config = stream.toConfig("monitor");
        metrics.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();

        try (ShutdownSignal stop = ShutdownSignal.install("monitor");
             AudioCapture capture = captureBuilder.open();
             AudioStream audio = StreamOptions.openStream(capture, config);
             MetricsEndpoint endpoint = metrics.start(err, audio)) {
            err.println("monitoring " + stream.deviceLabel() + " (" + audio.backend() + ", " + config.format()
                    + ", " + config.sampleRate() + " Hz, " + config.channels() + " ch)"
                    + (duration == null ? " until stopped" : " for " + DurationConverter.format(duration)));
            err.flush();
            long start = System.nanoTime();
            long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
            long nextStatus = start + STATUS_NANOS;
            long lastPackets = 0;
            while (!stop.requested() && System.nanoTime() - end < 0) {
                AudioPacket packet = audio.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (packet != null) {
                    packet.close();
                }
                long now = System.nanoTime();
                if (now - nextStatus >= 0) {
                    long packets = audio.packets();
                    out.println(status(now - start, audio, packets - lastPackets));
                    out.flush();
                    lastPackets = packets;
                    nextStatus += STATUS_NANOS;
                    if (nextStatus - now <= 0) { // fell behind (a stall): restart the cadence
                        nextStatus = now + STATUS_NANOS;
                    }
                }
            }
            PoolStats pool = audio.poolStats();
            out.printf(Locale.ROOT, "stopped after %.1f s: packets %d, frames %d, overruns %d%n",
                    (System.nanoTime() - start) / 1e9, audio.packets(), audio.frames(), audio.overruns());
            out.println(Summaries.pool(pool));
            out.flush();
            return 0;
        }
    }

    private static String status(long elapsedNanos, AudioStream audio, long newPackets) {
        PoolStats pool = audio.poolStats();
        return String.format(Locale.ROOT, "%6d s  packets %d (+%d)  overruns %d  pool hit rate %s  in use %d",
                TimeUnit.NANOSECONDS.toSeconds(elapsedNanos), audio.packets(), newPackets, audio.overruns(),
                Summaries.percent(pool.hitRate()), pool.inUse());
    }
}
