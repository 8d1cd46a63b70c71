package io.github.panamaaudio;

import io.github.panamaaudio.testing.AudioServer;

import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * What the context-API tests (devices, events, follow-or-fail, pause) share: an
 * event recorder, a capture recorder that keeps each packet's flags and arrival
 * time, the level of one frequency, and the server-side fixtures they load.
 *
 * <p>Thread-safety: {@link EventLog} is thread-safe; the rest is stateless or
 * confined to the test's thread.
 */
final class ContextTestSupport {

    /** Issue 9: events within 500 ms of the server's change, re-attach within 500 ms. */
    static final long EVENT_DEADLINE_MILLIS = 500;

    private ContextTestSupport() {
    }

    static AudioCapture capture(AudioServer server) throws AudioException {
        return AudioCapture.builder().backend("pulse").option("server", server.address()).open();
    }

    /** Restores the fixtures' defaults (the tests move them). */
    static void restoreDefaults(AudioServer server) {
        server.pactl("set-default-sink", server.sinkName());
        server.pactl("set-default-source", server.sineSourceName());
    }

    /** Loads a source named {@code name}: a remap of {@code monitorOf}'s loopback (an input, not a monitor). */
    static int loadRemapSource(AudioServer server, String name, String monitorOf) {
        return Integer.parseInt(server.pactl("load-module", "module-remap-source", "master=" + monitorOf + ".monitor",
                "source_name=" + name).strip());
    }

    /** The module index that loaded the null sink {@code sink}. */
    static int moduleOfSink(AudioServer server, String sink) {
        for (String line : server.pactl("list", "short", "modules").split("\n")) {
            String[] f = line.split("\t");
            if (f.length >= 3 && f[1].equals("module-null-sink") && f[2].contains("sink_name=" + sink)) {
                return Integer.parseInt(f[0].strip());
            }
        }
        throw new IllegalStateException("no module-null-sink with sink_name=" + sink);
    }

    /** Every event a listener got, with the instant it got it. */
    static final class EventLog implements AudioEventListener {
        record Seen(AudioEvent event, long atNanos) {
        }

        private final BlockingQueue<Seen> queue = new LinkedBlockingQueue<>();
        private final List<Seen> all = new ArrayList<>();

        @Override
        public void onEvent(AudioEvent event) {
            Seen s = new Seen(event, System.nanoTime());
            synchronized (all) {
                all.add(s);
            }
            queue.add(s);
        }

        /** The next event matching {@code what} within {@code timeout} (others are skipped), or null. */
        Seen await(Predicate<AudioEvent> what, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (;;) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                Seen s = queue.poll(left, TimeUnit.NANOSECONDS);
                if (s != null && what.test(s.event())) {
                    return s;
                }
            }
        }

        /** Waits until no event came for {@code quiet}, then forgets what came. */
        void settle(Duration quiet) throws InterruptedException {
            while (queue.poll(quiet.toMillis(), TimeUnit.MILLISECONDS) != null) {
                // keep draining
            }
        }

        /** Events matching {@code what} received since {@code sinceNanos}. */
        List<AudioEvent> since(long sinceNanos, Predicate<AudioEvent> what) {
            synchronized (all) {
                return all.stream().filter(s -> s.atNanos() >= sinceNanos && what.test(s.event()))
                        .map(Seen::event).toList();
            }
        }
    }

    static Predicate<AudioEvent> is(AudioEvent.Type type, String deviceId) {
        return e -> e.type() == type && e.device().map(AudioDevice::id).orElse("").equals(deviceId);
    }

    /** One packet as a capture saw it. */
    record Packet(long sequence, long position, int flags, long timestampNanos, long receivedNanos, float[] mono) {
        boolean routeChanged() {
            return (flags & AudioPacket.FLAG_ROUTE_CHANGED) != 0;
        }

        boolean discontinuity() {
            return (flags & AudioPacket.FLAG_DISCONTINUITY) != 0;
        }

        boolean resumed() {
            return (flags & AudioPacket.FLAG_RESUMED) != 0;
        }

        boolean silent() {
            return (flags & AudioPacket.FLAG_SILENT) != 0;
        }
    }

    /** Reads F32LE packets (any channel count, mixed to mono) until {@code until} says stop. */
    static List<Packet> record(AudioStream stream, Duration duration) throws AudioException {
        List<Packet> packets = new ArrayList<>();
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            Optional<AudioPacket> next = stream.next(Duration.ofMillis(Math.max(1,
                    TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()))));
            if (next.isEmpty()) {
                continue;
            }
            try (AudioPacket p = next.get()) {
                packets.add(packet(stream, p));
            }
        }
        return packets;
    }

    static Packet packet(AudioStream stream, AudioPacket p) {
        int channels = stream.config().channels();
        float[] all = p.segment().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
        float[] mono = new float[all.length / channels];
        for (int i = 0; i < mono.length; i++) {
            float sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += all[i * channels + c];
            }
            mono[i] = sum / channels;
        }
        return new Packet(p.sequence(), p.position(), p.flags(), p.timestampNanos(), System.nanoTime(), mono);
    }

    /** The samples of {@code packets}, in order. */
    static double[] samples(List<Packet> packets) {
        int n = packets.stream().mapToInt(p -> p.mono().length).sum();
        double[] x = new double[n];
        int i = 0;
        for (Packet p : packets) {
            for (float v : p.mono()) {
                x[i++] = v;
            }
        }
        return x;
    }

    /**
     * The amplitude of the {@code hz} component of {@code x} (a full-scale sine of that
     * frequency gives 1): a Goertzel filter over a Hann window, which suppresses
     * other tones more than 100 dB away once they are a few bins apart.
     */
    static double level(double[] x, int rate, double hz) {
        int n = x.length;
        if (n == 0) {
            return 0;
        }
        double w = 2 * Math.PI * hz / rate;
        double coeff = 2 * Math.cos(w);
        double s1 = 0;
        double s2 = 0;
        double windowSum = 0;
        for (int i = 0; i < n; i++) {
            double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1));
            windowSum += hann;
            double s = x[i] * hann + coeff * s1 - s2;
            s2 = s1;
            s1 = s;
        }
        double re = s1 - s2 * Math.cos(w);
        double im = s2 * Math.sin(w);
        return 2 * Math.hypot(re, im) / windowSum;
    }

    static double db(double ratio) {
        return 20 * Math.log10(Math.max(ratio, 1e-12));
    }
}
