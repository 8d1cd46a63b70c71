package io.github.panamaaudio.cli;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * {@code --metrics-port} and {@code --metrics-host}: serve the stream's metrics to
 * Prometheus while a command captures.
 *
 * <p>Thread-safety: filled by picocli, then read by one command thread.
 */
final class MetricsOptions {

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://HOST:PORT/metrics while capturing; "
                    + "0 picks a free port (the URL is printed on stderr). Default: no endpoint.")
    Integer port;

    @Option(names = "--metrics-host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address the metrics endpoint listens on (default: ${DEFAULT-VALUE}).")
    String host;

    /** Checks the port range without binding anything. */
    void validate() {
        if (port != null && (port < 0 || port > 65_535)) {
            throw new IllegalArgumentException("--metrics-port " + port + " is outside the allowed range 0..65535");
        }
    }

    /** Starts the endpoint if a port was given (printing its URL on {@code err}), else returns null. */
    MetricsEndpoint start(PrintWriter err, io.github.panamaaudio.AudioStream stream) throws IOException {
        if (port == null) {
            return null;
        }
        MetricsEndpoint endpoint = MetricsEndpoint.start(host, port);
        endpoint.bind(stream); // before the URL is printed: a scrape after it sees every meter
        err.println("metrics: " + endpoint.uri());
        err.flush();
        return endpoint;
    }
}
