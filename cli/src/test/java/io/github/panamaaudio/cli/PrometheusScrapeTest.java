package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamaaudio.testing.PulseServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the CLI's {@code monitor} captures a PulseAudio sine source and serves
 * {@code /metrics}; a real Prometheus server (the Debian package, started here on
 * loopback with a generated configuration and a private data directory) scrapes it
 * every second; the assertions go through Prometheus' HTTP query API. Also checks
 * the exposition with {@code promtool check metrics}.
 *
 * <p>Never skipped: without Prometheus installed it fails, saying how to install it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PrometheusScrapeTest {

    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");
    static final String JOB = "panama-audio";

    /** The hit rate as docs/metrics.md documents it, over a window short enough for a test. */
    static final String HIT_RATE = "sum by (stream) (rate(audio_pool_acquires_total{result=\"hit\"}[15s]))"
            + " / sum by (stream) (rate(audio_pool_acquires_total[15s]))";

    /** Every series the binder must export, as Prometheus names them. */
    static final List<String> EXPORTED = List.of(
            "audio_pool_acquires_total", "audio_pool_allocations_total", "audio_pool_leaks_total",
            "audio_pool_segments", "audio_pool_segments_max_segments", "audio_pool_segments_in_use_segments",
            "audio_pool_memory_bytes", "audio_stream_packets_total", "audio_stream_bytes_total",
            "audio_stream_frames_total", "audio_stream_overruns_total", "audio_stream_latency_seconds");

    private static final Pattern METRICS_URL = Pattern.compile("metrics: (http://\\S+/metrics)");
    /** One sample of an instant vector: {@code "value":[<time>,"<value>"]}. */
    private static final Pattern SAMPLE_VALUE = Pattern.compile("\"value\":\\[[^,\\]]+,\"([^\"]+)\"\\]");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void prometheusScrapesTheMonitorEndpointAndSeesHitsGrowAtAHitRateOfAtLeast99Percent(@TempDir Path dir)
            throws Exception {
        requireInstalled(PROMETHEUS);
        requireInstalled(PROMTOOL);

        try (PulseServer pulse = PulseServer.start();
             Child cli = Child.start(cliCommand(pulse), dir.resolve("cli.log"))) {
            URI metrics = URI.create(cli.awaitLine(METRICS_URL, Duration.ofSeconds(30)).group(1));

            // The exposition itself: our series are there, and promtool's linter accepts it.
            String exposition = get(metrics);
            for (String name : EXPORTED) {
                assertTrue(exposition.contains("\n" + name + "{"), name + " missing from the scrape:\n" + exposition);
            }
            assertPromtoolAccepts(exposition, dir);

            int promPort = freePort();
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                    global:
                      scrape_interval: 1s
                      scrape_timeout: 1s
                      evaluation_interval: 1s
                    scrape_configs:
                      - job_name: %s
                        metrics_path: %s
                        static_configs:
                          - targets: ['%s:%d']
                    """.formatted(JOB, metrics.getPath(), metrics.getHost(), metrics.getPort()));
            Path data = Files.createDirectory(dir.resolve("data"));
            try (Child prometheus = Child.start(List.of(PROMETHEUS.toString(),
                    "--config.file=" + config,
                    "--storage.tsdb.path=" + data,
                    "--web.listen-address=127.0.0.1:" + promPort), dir.resolve("prometheus.log"))) {
                URI api = URI.create("http://127.0.0.1:" + promPort);
                awaitReady(api, prometheus);

                String hits = "sum(audio_pool_acquires_total{job=\"" + JOB + "\",result=\"hit\"})";
                double first = awaitValue(api, hits, Duration.ofSeconds(30), prometheus);
                double up = awaitValue(api, "up{job=\"" + JOB + "\"}", Duration.ofSeconds(5), prometheus);
                assertEquals(1.0, up, "Prometheus scrapes the CLI's endpoint successfully");

                Thread.sleep(8_000); // several scrapes at 1 s, for the increase and the rate window
                double later = awaitValue(api, hits, Duration.ofSeconds(10), prometheus);
                assertTrue(later > first, "audio_pool_acquires_total{result=\"hit\"} grew: " + first + " -> " + later);

                double hitRate = awaitValue(api, HIT_RATE, Duration.ofSeconds(20), prometheus);
                assertTrue(hitRate >= 0.99, "hit rate from PromQL " + hitRate + " < 0.99; " + HIT_RATE);

                double packets = awaitValue(api, "sum(rate(audio_stream_packets_total{job=\"" + JOB + "\"}[15s]))",
                        Duration.ofSeconds(5), prometheus);
                assertTrue(packets > 10, "about 100 packets/s of 10 ms expected, Prometheus says " + packets);
                System.out.printf("Prometheus saw: hits %.0f -> %.0f, hit rate %.4f, %.1f packets/s%n",
                        first, later, hitRate, packets);
            }
            assertTrue(cli.process.isAlive(), "the CLI kept running while Prometheus scraped it; its log:\n"
                    + cli.log());
        }
    }

    private static List<String> cliCommand(PulseServer pulse) {
        String java = ProcessHandle.current().info().command()
                .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return List.of(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "monitor",
                "--backend", "pulse", "--server", pulse.address(), "--device", pulse.sineSourceName(),
                "--metrics-port", "0", "--metrics-host", "127.0.0.1");
    }

    private static void requireInstalled(Path binary) {
        if (!Files.isExecutable(binary)) {
            fail(binary + " is not installed. Run scripts/test, which installs the Debian package prometheus"
                    + " (or: apt-get install -y prometheus); this test never skips.");
        }
    }

    private void assertPromtoolAccepts(String exposition, Path dir) throws Exception {
        Path log = dir.resolve("promtool.log");
        Process promtool = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (OutputStream in = promtool.getOutputStream()) {
            in.write(exposition.getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(promtool.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, promtool.exitValue(), "promtool check metrics: " + Files.readString(log)
                + "\nexposition:\n" + exposition);
    }

    private void awaitReady(URI api, Child prometheus) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (;;) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(api.resolve("/-/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            if (!prometheus.process.isAlive() || System.nanoTime() - deadline > 0) {
                fail("Prometheus did not become ready; its log:\n" + prometheus.log());
            }
            Thread.sleep(200);
        }
    }

    /** Polls an instant query until it returns one sample, and returns its value. */
    private double awaitValue(URI api, String query, Duration timeout, Child prometheus) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last;
        for (;;) {
            last = query(api, query);
            OptionalDouble value = singleValue(last);
            if (value.isPresent()) {
                return value.getAsDouble();
            }
            if (System.nanoTime() - deadline > 0) {
                fail("no single sample for " + query + " within " + timeout + "; last answer: " + last
                        + "\nPrometheus log:\n" + prometheus.log());
            }
            Thread.sleep(500);
        }
    }

    private String query(URI api, String promql) throws Exception {
        URI uri = api.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), "query " + promql + ": " + r.body());
        assertTrue(r.body().contains("\"status\":\"success\""), "query " + promql + ": " + r.body());
        return r.body();
    }

    /** The value of a one-sample instant vector; empty if the vector is empty or has several samples. */
    static OptionalDouble singleValue(String json) {
        Matcher m = SAMPLE_VALUE.matcher(json);
        if (!m.find()) {
            return OptionalDouble.empty();
        }
        String value = m.group(1);
        if (m.find()) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Double.parseDouble(value));
    }

    private String get(URI uri) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), uri.toString());
        return r.body();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A child process whose output goes to a log file; stopped (SIGTERM, then SIGKILL) on close. */
    private record Child(Process process, Path logFile, Thread pump, List<String> lines)
            implements AutoCloseable {

        static Child start(List<String> command, Path logFile) throws IOException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            List<String> lines = new ArrayList<>();
            Thread pump = Thread.ofPlatform().daemon().name("output of " + logFile.getFileName()).start(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                     var out = Files.newBufferedWriter(logFile)) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(line);
                            lines.notifyAll();
                        }
                        out.write(line);
                        out.newLine();
                        out.flush();
                    }
                } catch (IOException e) {
                    synchronized (lines) {
                        lines.add("(output pump failed: " + e + ")");
                    }
                }
            });
            return new Child(p, logFile, pump, lines);
        }

        Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (lines) {
                int seen = 0;
                for (;;) {
                    for (; seen < lines.size(); seen++) {
                        Matcher m = pattern.matcher(lines.get(seen));
                        if (m.find()) {
                            return m;
                        }
                    }
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || (!process.isAlive() && !pump.isAlive())) {
                        return fail("no line matching " + pattern + " within " + timeout + "; output:\n" + log());
                    }
                    lines.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
                }
            }
        }

        String log() {
            synchronized (lines) {
                return String.join("\n", lines);
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            pump.join(5_000);
        }
    }
}
