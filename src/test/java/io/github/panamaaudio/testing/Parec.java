package io.github.panamaaudio.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Records from a source of an {@link AudioServer} with PulseAudio's own
 * {@code parec}: a reference that does not go through the library under test.
 * Thread-safety: stateless.
 */
final class Parec {

    private Parec() {
    }

    /**
     * Records {@code duration} of s16le 48 kHz audio in {@code channels} channels
     * from {@code source}, with 20 ms of latency.
     *
     * @throws IllegalStateException if parec ends before it delivered that much,
     *     or has not within {@code duration} + 10 s (it is killed then: a blocked
     *     pipe read does not heed JUnit's interrupt)
     */
    static byte[] record(AudioServer server, String source, int channels, Duration duration) {
        PulseServer.requireCommand("parec", PipeWireServer.INSTALL_HINT);
        int bytes = (int) (duration.toMillis() * server.sampleRate() / 1000) * 2 * channels;
        Process parec;
        try {
            parec = new ProcessBuilder("parec", "--server=" + server.address(), "--raw",
                    "--device=" + source, "--format=s16le", "--rate=" + server.sampleRate(),
                    "--channels=" + channels, "--latency-msec=20")
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start parec", e);
        }
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!parec.waitFor(duration.toMillis() + 10_000, TimeUnit.MILLISECONDS)) {
                    parec.destroyForcibly();
                }
            } catch (InterruptedException done) {
                // the recording ended first
            }
        });
        try (InputStream in = parec.getInputStream()) {
            byte[] pcm = in.readNBytes(bytes);
            if (pcm.length != bytes) {
                parec.waitFor(2, TimeUnit.SECONDS);
                throw new IllegalStateException("parec from " + source + " ended after " + pcm.length + " of "
                        + bytes + " bytes, exit status " + (parec.isAlive() ? "(running)" : parec.exitValue()));
            }
            return pcm;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read from parec", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            watchdog.interrupt();
            parec.destroyForcibly();
            PulseServer.awaitExit(parec, Duration.ofSeconds(5));
        }
    }
}
