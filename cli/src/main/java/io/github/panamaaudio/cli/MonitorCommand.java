package io.github.panamaaudio.cli;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioEvent;
import io.github.panamaaudio.AudioEventListener;
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
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code monitor}: captures and discards, printing a status line every second —
 * a health check of the capture path and, with {@code --metrics-port}, a live
 * source for Prometheus. With {@code --events} it opens no stream and prints the
 * backend's device and application events instead, one line each, as the
 * library's event thread delivers them.
 *
 * <p>Thread-safety: one execution at a time.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Capture until stopped (Ctrl-C, SIGTERM), printing packets, overruns and the pool's hit rate "
                + "every second; optionally serve the stream's metrics to Prometheus.",
                "With --events: capture nothing, print each device and application event as it happens "
                        + "(DEVICE_ADDED, DEVICE_REMOVED, DEFAULT_INPUT_CHANGED, DEFAULT_OUTPUT_CHANGED, "
                        + "APPLICATION_STARTED, APPLICATION_ENDED), one line each: time (UTC), type, "
                        + "what it concerns."})
final class MonitorCommand implements Callable<Integer> {

    private static final long POLL_MILLIS = 100;
    private static final long STATUS_NANOS = TimeUnit.SECONDS.toNanos(1);

    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--duration"}, paramLabel = "TIME", converter = DurationConverter.class,
            description = "Stop after this long: 30s, 5m, ... (default: run until stopped).")
    Duration duration;

    @Option(names = "--events", description = "Watch devices and applications instead of capturing: "
            + "print one line per event. Takes --backend, --server, --duration and --json only.")
    boolean events;

    @Option(names = "--json", description = "With --events: one JSON object per event and line "
            + "({\"time\", \"type\", \"device\", \"application\"}).")
    boolean json;

    @Mixin
    StreamOptions stream = new StreamOptions();

    @Mixin
    MetricsOptions metrics = new MetricsOptions();

    @Override
    public Integer call() throws AudioException, IOException {
        if (events) {
            return watchEvents();
        }
        if (json) {
            throw new IllegalArgumentException("--json applies to --events only (the status lines have no JSON form)");
        }
        stream.backend.builder();
        StreamConfig config = stream.toConfig("monitor");
        metrics.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        stream.warnDeprecated(err);

        try (ShutdownSignal stop = ShutdownSignal.install("monitor");
             AudioCapture capture = stream.backend.open();
             AudioStream audio = stream.openStream(capture, config);
             MetricsEndpoint endpoint = metrics.start(err, audio)) {
            err.println("monitoring " + stream.sourceLabel() + " (" + audio.backend() + ", " + config.format()
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

    /** {@code --events}: prints every event until stopped or {@code --duration} ends. */
    private int watchEvents() throws AudioException {
        for (String option : StreamOptions.OPTION_NAMES) {
            rejectWithEvents(option);
        }
        rejectWithEvents("--metrics-port");
        rejectWithEvents("--metrics-host");
        stream.backend.builder();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        AtomicLong printed = new AtomicLong();
        // Called on the capture's event thread; PrintWriter serializes each println.
        AudioEventListener printer = event -> {
            Instant when = wallClock(event);
            out.println(json ? Json.event(event, when) : Words.event(event, when));
            out.flush();
            printed.incrementAndGet();
        };
        try (ShutdownSignal stop = ShutdownSignal.install("monitor")) { // held until the summary is out
            long start;
            try (AudioCapture capture = stream.backend.open()) {
                capture.addListener(printer);
                start = System.nanoTime();
                err.println("watching devices and applications (" + capture.backend() + ")"
                        + (duration == null ? " until stopped" : " for " + DurationConverter.format(duration)));
                err.flush();
                long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
                while (!stop.requested() && System.nanoTime() - end < 0) {
                    long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
                    if (!sleep(Math.max(1, Math.min(POLL_MILLIS, left)))) {
                        break; // interrupted: stop like a signal does, with the summary
                    }
                }
                capture.removeListener(printer);
            } // close() joins the event thread: no event line comes after the summary
            out.printf(Locale.ROOT, "stopped after %.1f s: %d events%n", (System.nanoTime() - start) / 1e9,
                    printed.get());
            out.flush();
            return 0;
        }
    }

    private void rejectWithEvents(String option) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
            throw new IllegalArgumentException(option + " does not apply to --events, which opens no stream "
                    + "(--events takes --backend, --server, --duration and --json)");
        }
    }

    /** The event's capture-clock time on the wall clock (it was received microseconds ago). */
    private static Instant wallClock(AudioEvent event) {
        long age = Math.max(0, System.nanoTime() - event.timestampNanos());
        return Instant.now().minusNanos(age);
    }

    /** Sleeps; false if interrupted (the flag is kept for the caller's caller). */
    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String status(long elapsedNanos, AudioStream audio, long newPackets) {
        PoolStats pool = audio.poolStats();
        return String.format(Locale.ROOT, "%6d s  packets %d (+%d)  overruns %d  pool hit rate %s  in use %d",
                TimeUnit.NANOSECONDS.toSeconds(elapsedNanos), audio.packets(), newPackets, audio.overruns(),
                Summaries.percent(pool.hitRate()), pool.inUse());
    }
}
