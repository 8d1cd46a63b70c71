package io.github.panamaaudio.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.metrics.AudioStreamMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Prometheus scrape endpoint: a {@link PrometheusMeterRegistry} served at
 * {@code GET /metrics} by the JDK's {@link HttpServer}, in the text exposition
 * format 0.0.4. Streams are added with {@link #bind(AudioStream)}, which registers
 * the library's {@link AudioStreamMetrics} binder.
 *
 * <p>Only {@code /metrics} answers (GET and HEAD); other paths get 404, other
 * methods 405. The server runs on one dispatcher thread of its own; a scrape only
 * reads counters.
 *
 * <p>Thread-safety: {@link #bind} and {@link #close} may be called from any
 * thread; {@code close()} is idempotent and unbinds the streams before the
 * registry closes.
 */
public final class MetricsEndpoint implements AutoCloseable {

    /** The Prometheus text exposition format the registry's {@code scrape()} produces. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    public static final String PATH = "/metrics";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpServer server;
    private final URI uri;
    private final List<AutoCloseable> binders = new ArrayList<>();
    private boolean closed;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
        InetSocketAddress bound = server.getAddress();
        String host = bound.getAddress().getHostAddress();
        if (bound.getAddress() instanceof Inet6Address) {
            int scope = host.indexOf('%');
            host = "[" + (scope >= 0 ? host.substring(0, scope) : host) + "]";
        }
        this.uri = URI.create("http://" + host + ":" + bound.getPort() + PATH);
    }

    /**
     * Binds the HTTP server and starts serving.
     *
     * @param host an address or host name of this machine (127.0.0.1 keeps it local)
     * @param port 0..65535; 0 picks a free port (see {@link #uri()})
     * @throws IllegalArgumentException if the port is out of range or the host unknown
     * @throws IOException              if the address cannot be bound (in use, not local)
     */
    public static MetricsEndpoint start(String host, int port) throws IOException {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("--metrics-port " + port + " is outside the allowed range 0..65535");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--metrics-host " + host + ": unknown host", e);
        }
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(address, port), 0);
        } catch (BindException e) {
            throw new IOException("cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        MetricsEndpoint endpoint = new MetricsEndpoint(server);
        server.createContext("/", endpoint::handle);
        server.start();
        return endpoint;
    }

    /** The scrape URL, with the port actually bound. */
    public URI uri() {
        return uri;
    }

    /** The registry behind the endpoint; add meters of your own to it. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Exposes a stream's pool and capture counters, tagged {@code stream=<config name>}
     * and {@code backend=<name>}.
     * The binder is closed (its meters removed) by {@link #close()}.
     */
    public synchronized void bind(AudioStream stream) {
        if (closed) {
            throw new IllegalStateException("the metrics endpoint is closed");
        }
        // The binder itself tags every meter stream=<config name> and backend=<backend>.
        AudioStreamMetrics binder = new AudioStreamMetrics(stream, Tags.empty());
        binder.bindTo(registry);
        binders.add(binder);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!PATH.equals(exchange.getRequestURI().getPath())) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            String method = exchange.getRequestMethod();
            boolean head = "HEAD".equals(method);
            if (!head && !"GET".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
            if (head) {
                exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            if (body.length == 0) { // a length of 0 would mean "chunked" to HttpServer
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** Stops the server, closes the binders and the registry. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        RuntimeException failure = null;
        for (AutoCloseable binder : binders) {
            try {
                binder.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing a metrics binder failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        binders.clear();
        registry.close();
        if (failure != null) {
            throw failure;
        }
    }
}
