package io.github.panamaaudio.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PulseAudio server for the CLI's tests — the same server
 * {@code scripts/pulse-server start} runs, but as a child process of the test JVM
 * (not daemonized) in its own 0700 runtime directory, so that {@link #close()}
 * stops exactly what it started. Sink {@value #SINK} (null sink, 48 kHz stereo,
 * the default; its loopback is {@value #SINK}.monitor) and source
 * {@value #SINE_SOURCE} (a 440 Hz sine). Players started by
 * {@link #playTone(double)} are {@code sox … synth sine | pacat} pipelines into
 * the sink.
 *
 * <p>Thread-safety: start, play and close from one test thread.
 */
final class PrivatePulseServer implements AutoCloseable {

    static final String SINK = "pac_sink";
    static final String SINE_SOURCE = "pac_sine";
    static final int RATE = 48_000;

    private final Path dir;
    private final Process server;
    private final List<Process> players = new ArrayList<>();
    private boolean closed;

    private PrivatePulseServer(Path dir, Process server) {
        this.dir = dir;
        this.server = server;
    }

    /** Starts a server and waits until it answers {@code pactl info}. */
    static PrivatePulseServer start() throws IOException, InterruptedException {
        // Under /tmp, short: a unix socket path must stay below 108 bytes.
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "pac-cli-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        ProcessBuilder pb = new ProcessBuilder("pulseaudio",
                "--daemonize=no", "--system=no", "--use-pid-file=no",
                "--exit-idle-time=-1", "--disallow-exit=yes", "--disallow-module-loading=no",
                "-n", "--log-target=stderr",
                "--load=module-native-protocol-unix auth-anonymous=1",
                "--load=module-null-sink sink_name=" + SINK + " rate=" + RATE + " channels=2",
                "--load=module-sine-source source_name=" + SINE_SOURCE + " frequency=440 rate=" + RATE)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("pulse.log").toFile());
        pb.environment().put("XDG_RUNTIME_DIR", dir.toString());
        pb.environment().remove("PULSE_SERVER");
        Process server;
        try {
            server = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run pulseaudio (install pulseaudio, pulseaudio-utils and sox; "
                    + "scripts/test does): " + e.getMessage(), e);
        }
        PrivatePulseServer pulse = new PrivatePulseServer(dir, server);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pulse.pactl("info") != 0) {
                if (!server.isAlive() || System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("pulseaudio did not come up; its log:\n"
                            + Files.readString(dir.resolve("pulse.log")));
                }
                Thread.sleep(50);
            }
            pulse.pactl("set-default-sink", SINK);
            pulse.pactl("set-default-source", SINE_SOURCE);
        } catch (IOException | InterruptedException | RuntimeException e) {
            pulse.close();
            throw e;
        }
        return pulse;
    }

    /** The address for {@code --server} and {@code PULSE_SERVER}. */
    String address() {
        return "unix:" + dir.resolve("pulse/native");
    }

    Path dir() {
        return dir;
    }

    /** Plays a sine into the sink until {@link #close()} or until the returned process is destroyed. */
    Process playTone(double hz) throws IOException {
        ProcessBuilder sox = new ProcessBuilder("sox", "-q", "-n", "-t", "raw", "-r", Integer.toString(RATE),
                "-e", "signed", "-b", "16", "-c", "2", "-", "synth", "sine", Double.toString(hz), "vol", "0.5")
                .redirectError(Redirect.DISCARD);
        ProcessBuilder pacat = new ProcessBuilder("pacat", "--server=" + address(), "--raw",
                "--latency-msec=20", "--device=" + SINK, "--format=s16le", "--rate=" + RATE, "--channels=2")
                .redirectOutput(Redirect.DISCARD)
                .redirectError(Redirect.appendTo(dir.resolve("player.log").toFile()));
        List<Process> pipeline = ProcessBuilder.startPipeline(List.of(sox, pacat));
        players.addAll(pipeline);
        return pipeline.get(1);
    }

    private int pactl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("pactl", "--server=" + address()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    /** Stops the players and the server (SIGTERM, then SIGKILL after 5 s) and deletes the directory. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Process p : players) {
            stop(p);
        }
        players.clear();
        stop(server);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void stop(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
