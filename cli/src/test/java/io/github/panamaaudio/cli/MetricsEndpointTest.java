package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.StreamConfig;
import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

class MetricsEndpointTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpResponse<String> request(String method, URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anEphemeralPortServesTheRegistryInPrometheusTextFormatAtSlashMetrics() throws Exception {
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
            URI uri = endpoint.uri();
            assertEquals("http", uri.getScheme());
            assertEquals("127.0.0.1", uri.getHost());
            assertTrue(uri.getPort() > 0, uri::toString);
            assertEquals("/metrics", uri.getPath());

            Counter.builder("cli.test.events").description("events for the test").register(endpoint.registry())
                    .increment(3);
            HttpResponse<String> response = request("GET", uri);
            assertEquals(200, response.statusCode());
            assertEquals(MetricsEndpoint.CONTENT_TYPE, response.headers().firstValue("Content-Type").orElse(""));
            assertTrue(response.body().contains("# TYPE cli_test_events_total counter"), response::body);
            assertTrue(response.body().contains("cli_test_events_total 3.0"), response::body);

            HttpResponse<String> head = request("HEAD", uri);
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
        }
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0)) {
            assertEquals(404, request("GET", endpoint.uri().resolve("/")).statusCode());
            assertEquals(404, request("GET", endpoint.uri().resolve("/metrics/x")).statusCode());
            HttpResponse<String> post = request("POST", endpoint.uri());
            assertEquals(405, post.statusCode());
            assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
        }
    }

    @Test
    void closeStopsServingAndIsIdempotent() throws Exception {
        MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0);
        URI uri = endpoint.uri();
        assertEquals(200, request("GET", uri).statusCode());
        endpoint.close();
        endpoint.close();
        IOException refused = assertThrows(IOException.class, () -> request("GET", uri));
        assertTrue(refused instanceof ConnectException || refused.getCause() instanceof ConnectException,
                refused::toString);
    }

    @Test
    void aPortInUseIsAnIOExceptionNamingHostAndPortAndABadPortAnIllegalArgument() throws Exception {
        try (MetricsEndpoint first = MetricsEndpoint.start("127.0.0.1", 0)) {
            int port = first.uri().getPort();
            IOException inUse = assertThrows(IOException.class, () -> MetricsEndpoint.start("127.0.0.1", port));
            assertTrue(inUse.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + port), inUse::getMessage);
        }
        IllegalArgumentException bad =
                assertThrows(IllegalArgumentException.class, () -> MetricsEndpoint.start("127.0.0.1", 65_536));
        assertTrue(bad.getMessage().startsWith("--metrics-port 65536"), bad::getMessage);
    }

    static boolean binderPresent() {
        try {
            Class.forName("io.github.panamaaudio.metrics.AudioStreamMetrics");
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /** Issue 3: runs once the library ships its binder (and MetricsEndpoint.bind uses it). */
    @Test
    @EnabledIf("binderPresent")
    void aBoundStreamsPoolCountersAreScrapedWithTheStreamTag() throws Exception {
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0);
             AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(StreamConfig.builder().name("scraped").device("sine?paced=false")
                     .build())) {
            endpoint.bind(stream);
            for (int i = 0; i < 50; i++) {
                try (AudioPacket packet = stream.next()) {
                    assertTrue(packet.frames() > 0);
                }
            }
            String body = request("GET", endpoint.uri()).body();
            assertTrue(body.lines().anyMatch(l -> l.startsWith("audio_") && l.contains("stream=\"scraped\"")),
                    body);
        }
    }
}
