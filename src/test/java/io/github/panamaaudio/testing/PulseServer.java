package io.github.panamaaudio.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A private PulseAudio server for tests: no sound card, no D-Bus, works as root.
 *
 * <p>It runs the {@code pulseaudio} binary as a child process of the JVM (not
 * daemonized, so {@link #kill()} and {@link #close()} act on a process this class
 * owns) with its own {@code XDG_RUNTIME_DIR}, no {@code default.pa} ({@code -n})
 * and exactly these modules:
 * <ul>
 *   <li>{@code module-native-protocol-unix} on {@code <runtimeDir>/pulse/native},
 *       anonymous (the directory is 0700);</li>
 *   <li>{@code module-null-sink}: sink {@value #SINK} (48 kHz, stereo, s16le), the
 *       default sink; its loopback source is {@value #SINK}{@code .monitor};</li>
 *   <li>{@code module-sine-source}: source {@value #SINE_SOURCE}, a
 *       {@value #SINE_FREQUENCY_HZ} Hz sine (48 kHz, mono, float32le), the default
 *       source.</li>
 * </ul>
 * It is the same server {@code scripts/pulse-server start} starts. The null sink
 * and the sine source produce data in blocks of up to 2 s, so during the first
 * seconds a read may get a burst or stall: assert energy and frequency, not
 * timing.
 *
 * <p>Most tests get the one shared instance from {@link PulseServerExtension}. A
 * test that kills or restarts the server should {@link #start()} its own and close
 * it, so that it does not disturb the others.
 *
 * <p>Thread-safety: all methods may be called from any thread; {@link #kill()},
 * {@link #restart()} and {@link #close()} are serialized on the instance.
 * Failures are unchecked ({@link IllegalStateException}, or
 * {@link UncheckedIOException} for I/O) so that tests need no {@code throws}.
 */
public final class PulseServer implements AudioServer, AutoCloseable {

    /** Name of the null sink that players write into. */
    public static final String SINK = "pac_sink";
    /** Name of the sine source. */
    public static final String SINE_SOURCE = "pac_sine";
    /** Frequency of the sine source, in Hz. */
    public static final int SINE_FREQUENCY_HZ = 440;
    /** Sample rate of the sink, the sine source and the players. */
    public static final int SAMPLE_RATE = 48_000;

    private static final System.Logger LOG = System.getLogger(PulseServer.class.getName());
    private static final String INSTALL_HINT =
            "run scripts/test once: it installs pulseaudio, pulseaudio-utils and sox";
    /** sun_path of a unix socket holds 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private final Path runtimeDir;
    private final boolean deleteRuntimeDirOnClose;
    private final String address;
    private final Path log;
    private final Set<Player> players = ConcurrentHashMap.newKeySet();
    private final Thread shutdownHook;

    /** Written under the lock; volatile so that the shutdown hook sees it without one. */
    private volatile Process daemon;
    private boolean closed;        // guarded by this

    private PulseServer(Path runtimeDir, boolean deleteRuntimeDirOnClose) {
        this.runtimeDir = runtimeDir;
        this.deleteRuntimeDirOnClose = deleteRuntimeDirOnClose;
        this.address = "unix:" + runtimeDir.resolve("pulse").resolve("native");
        this.log = runtimeDir.resolve("pulse.log");
        this.shutdownHook = new Thread(this::destroyProcessesNow, "pulse-server-shutdown");
    }

    /**
     * Starts a server in a new 0700 temporary runtime directory (under
     * {@code java.io.tmpdir}), deleted again by {@link #close()}.
     *
     * @throws IllegalStateException if {@code pulseaudio} or {@code pactl} is not
     *     installed, or the server does not answer within 10 s
     */
    public static PulseServer start() {
        return startIn(privateTempDirectory("pac-pulse-", "pulseaudio"), true);
    }

    /** A new 0700 directory under {@code java.io.tmpdir} for a private server of {@code what}. */
    static Path privateTempDirectory(String prefix, String what) {
        try {
            return Files.createTempDirectory(prefix,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for " + what, e);
        }
    }

    /**
     * Starts a server with the given runtime directory (created if missing, made
     * 0700, kept by {@link #close()}). A stale server left running there by an
     * earlier, killed test run is stopped first. Use it when the address must be
     * known before the JVM starts, e.g. for a {@code PULSE_SERVER} environment
     * variable that surefire sets.
     */
    public static PulseServer start(Path runtimeDir) {
        return startIn(runtimeDir.toAbsolutePath().normalize(), false);
    }

    private static PulseServer startIn(Path dir, boolean deleteOnClose) {
        requireCommand("pulseaudio");
        requireCommand("pactl");
        PulseServer server = new PulseServer(dir, deleteOnClose);
        String socket = server.address.substring("unix:".length());
        if (socket.getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IllegalStateException("socket path " + socket + " is longer than the "
                    + MAX_SOCKET_PATH + " bytes a unix socket allows; use a shorter runtime directory");
        }
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            server.stopStaleDaemon();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare pulseaudio runtime directory " + dir, e);
        }
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        try {
            synchronized (server) {
                server.launch();
            }
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** {@link AudioServer.Kind#PULSEAUDIO}. */
    @Override
    public Kind kind() {
        return Kind.PULSEAUDIO;
    }

    /** The address clients connect to: {@code unix:<runtimeDir>/pulse/native}. */
    @Override
    public String address() {
        return address;
    }

    /** The server's {@code XDG_RUNTIME_DIR}. */
    @Override
    public Path runtimeDir() {
        return runtimeDir;
    }

    /** The null sink players write into (the default sink). */
    @Override
    public String sinkName() {
        return SINK;
    }

    /** The 440 Hz sine source (the default source). */
    @Override
    public String sineSourceName() {
        return SINE_SOURCE;
    }

    /** The loopback source of {@link #sinkName()}: what players play comes out here. */
    @Override
    public String monitorOfSink() {
        return SINK + ".monitor";
    }

    /**
     * Environment variables that point a child process (a demo, {@code arecord}
     * through ALSA's pulse plugin, ...) at this server.
     */
    @Override
    public Map<String, String> clientEnvironment() {
        return Map.of("PULSE_SERVER", address);
    }

    /** Whether the daemon process is alive (false after {@link #kill()}). */
    @Override
    public synchronized boolean isRunning() {
        return daemon != null && daemon.isAlive();
    }

    /**
     * Runs {@code pactl -s <address> args...} and returns its standard output.
     *
     * @throws IllegalStateException with pactl's standard error if it exits
     *     non-zero or does not finish within 10 s
     */
    @Override
    public String pactl(String... args) {
        List<String> command = new ArrayList<>(List.of("pactl", "-s", address));
        command.addAll(List.of(args));
        return run(command);
    }

    /** Plays a sine of {@code hz} into {@link #sinkName()} until the player is closed. */
    @Override
    public Player playTone(double hz) {
        return playTone(SINK, hz);
    }

    /**
     * Plays a sine of {@code hz} at half of full scale (RMS 0.354) into
     * {@code sink}, as 48 kHz stereo s16le through {@code pacat} with 20 ms of
     * latency, until the returned player is closed or the server goes away.
     */
    @Override
    public Player playTone(String sink, double hz) {
        Player player = Player.start(address, runtimeDir.resolve("player.log"), sink, hz, Map.of(),
                players::remove, INSTALL_HINT);
        players.add(player);
        return player;
    }

    /**
     * Loads another null sink (48 kHz stereo) named {@code name}, for device-loss
     * tests, and returns its module index for {@link #unloadModule(int)}. Its
     * loopback source is {@code name + ".monitor"}. Not restored by
     * {@link #restart()}.
     */
    @Override
    public int loadNullSink(String name) {
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("sink name must match [A-Za-z0-9_.-]+, got '" + name + "'");
        }
        String index = pactl("load-module", "module-null-sink", "sink_name=" + name,
                "rate=" + SAMPLE_RATE, "channels=2").strip();
        try {
            return Integer.parseInt(index);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("pactl load-module printed '" + index + "', not a module index", e);
        }
    }

    /** Unloads a module, e.g. a sink from {@link #loadNullSink(String)}: its streams lose their device. */
    @Override
    public void unloadModule(int index) {
        pactl("unload-module", Integer.toString(index));
    }

    /**
     * Kills the daemon with SIGKILL and waits until it is gone, so that clients
     * see their server vanish without a goodbye. {@link #restart()} brings it back.
     */
    @Override
    public synchronized void kill() {
        ensureOpen();
        if (daemon != null) {
            daemon.destroyForcibly();
            awaitExit(daemon, STOP_TIMEOUT);
            daemon = null;
        }
        deleteStaleFiles();
    }

    /**
     * Starts the daemon again in the same runtime directory with the same modules
     * (killing it first if it still runs), and waits until it answers. Clients
     * must reconnect; modules loaded with {@link #loadNullSink(String)} are gone.
     */
    @Override
    public synchronized void restart() {
        ensureOpen();
        if (daemon != null && daemon.isAlive()) {
            kill();
        }
        launch();
    }

    /**
     * Stops the players and the daemon (SIGTERM, then SIGKILL after 5 s) and, for
     * a server from {@link #start()}, deletes its runtime directory. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (Player player : List.copyOf(players)) {
            player.close();
        }
        synchronized (this) {
            if (daemon != null) {
                daemon.destroy();
                if (!awaitExit(daemon, STOP_TIMEOUT)) {
                    LOG.log(System.Logger.Level.WARNING, "pulseaudio did not stop on SIGTERM in "
                            + STOP_TIMEOUT.toSeconds() + " s; killing it");
                    daemon.destroyForcibly();
                    awaitExit(daemon, STOP_TIMEOUT);
                }
                daemon = null;
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or will run; it finds nothing left to do
        }
        if (deleteRuntimeDirOnClose) {
            deleteRecursively(runtimeDir);
        } else {
            deleteStaleFiles();
        }
    }

    @Override
    public String toString() {
        return "PulseServer[" + address + "]";
    }

    // ---------------------------------------------------------------- internals

    private void launch() {
        deleteStaleFiles();
        ProcessBuilder builder = new ProcessBuilder("pulseaudio",
                "--daemonize=no", "--system=no", "--use-pid-file=yes",
                "--exit-idle-time=-1", "--disallow-exit=yes", "--disallow-module-loading=no",
                "-n", "--log-target=stderr",
                "--load=module-native-protocol-unix auth-anonymous=1",
                "--load=module-null-sink sink_name=" + SINK + " rate=" + SAMPLE_RATE + " channels=2",
                "--load=module-sine-source source_name=" + SINE_SOURCE
                        + " frequency=" + SINE_FREQUENCY_HZ + " rate=" + SAMPLE_RATE)
                .redirectInput(Redirect.from(new File("/dev/null")))
                .redirectOutput(Redirect.appendTo(log.toFile()))
                .redirectError(Redirect.appendTo(log.toFile()));
        builder.environment().put("XDG_RUNTIME_DIR", runtimeDir.toString());
        builder.environment().remove("PULSE_SERVER");
        try {
            daemon = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start pulseaudio", e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String lastError = "";
        while (true) {
            if (!daemon.isAlive()) {
                throw new IllegalStateException("pulseaudio exited with status " + daemon.exitValue()
                        + " while starting; its log " + log + " ends with:\n" + tail(log));
            }
            try {
                run(List.of("pactl", "-s", address, "info"));
                break;
            } catch (IllegalStateException notYet) {
                lastError = notYet.getMessage();
            }
            if (System.nanoTime() > deadline) {
                daemon.destroyForcibly();
                throw new IllegalStateException("pulseaudio does not answer on " + address + " after "
                        + START_TIMEOUT.toSeconds() + " s (" + lastError + "); its log " + log
                        + " ends with:\n" + tail(log));
            }
            sleep(Duration.ofMillis(50));
        }
        pactl("set-default-sink", SINK);
        pactl("set-default-source", SINE_SOURCE);
        LOG.log(System.Logger.Level.DEBUG, () -> "pulseaudio pid " + daemon.pid() + " answers on " + address);
    }

    /** A server left in a fixed runtime directory by a JVM that died without closing it. */
    private void stopStaleDaemon() {
        readPidFile().flatMap(ProcessHandle::of)
                .filter(p -> p.info().command().map(c -> c.endsWith("/pulseaudio")).orElse(false))
                .ifPresent(stale -> {
                    LOG.log(System.Logger.Level.WARNING, "stopping a stale pulseaudio (pid " + stale.pid()
                            + ") left in " + runtimeDir);
                    stale.destroyForcibly();
                    try {
                        stale.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot stop stale pulseaudio pid " + stale.pid(), e);
                    }
                });
    }

    private Optional<Long> readPidFile() {
        try {
            String text = Files.readString(runtimeDir.resolve("pulse").resolve("pid")).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** A killed daemon leaves its pid file and socket behind; a new one must not trip on them. */
    private void deleteStaleFiles() {
        try {
            Files.deleteIfExists(runtimeDir.resolve("pulse").resolve("pid"));
            Files.deleteIfExists(runtimeDir.resolve("pulse").resolve("native"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + runtimeDir.resolve("pulse"), e);
        }
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** Shutdown hook: the JVM is exiting without close(); leave no process behind. */
    private void destroyProcessesNow() {
        for (Player player : players) {
            player.destroyNow();
        }
        Process process = daemon;   // racy read is fine: worst case we kill an exited process
        if (process != null) {
            process.destroyForcibly();
        }
    }

    /** Runs a short command; returns stdout, throws with stderr on failure or timeout. */
    static String run(List<String> command) {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        }
        CompletableFuture<String> out = readAsync(process.getInputStream());
        CompletableFuture<String> err = readAsync(process.getErrorStream());
        boolean finished = awaitExit(process, COMMAND_TIMEOUT);
        if (!finished) {
            process.destroyForcibly();
            awaitExit(process, COMMAND_TIMEOUT);
        }
        String stdout = join(out);
        String stderr = join(err).strip();
        if (!finished) {
            throw new IllegalStateException(String.join(" ", command) + " did not finish in "
                    + COMMAND_TIMEOUT.toSeconds() + " s; stderr: " + stderr);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with status "
                    + process.exitValue() + ": " + stderr);
        }
        return stdout;
    }

    private static CompletableFuture<String> readAsync(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private static String join(CompletableFuture<String> future) {
        try {
            return future.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return "(unreadable: " + e.getCause() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        } catch (java.util.concurrent.TimeoutException e) {
            return "(still open after the process ended)";
        }
    }

    static boolean awaitExit(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for pulseaudio", e);
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(cannot read: " + e + ")";
        }
    }

    static void requireCommand(String name) {
        requireCommand(name, INSTALL_HINT);
    }

    /** Throws, naming {@code name}, the PATH searched and {@code hint}, unless {@code name} is on the PATH. */
    static void requireCommand(String name, String hint) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return;
            }
        }
        throw new IllegalStateException("'" + name + "' is not on the PATH (" + path + "); " + hint);
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot delete " + dir + ": " + e);
        }
    }

    /**
     * A running {@code sox synth sine | pacat} pipeline that plays one tone into a
     * sink of any {@link AudioServer} ({@code pacat} speaks the PulseAudio
     * protocol, which pipewire-pulse serves too). {@link #close()} kills both
     * processes and is idempotent; closing the server closes its players.
     * Thread-safe.
     */
    public static final class Player implements AutoCloseable {
        private final double frequency;
        private final String sink;
        private final Process sox;
        private final Process pacat;
        private final Consumer<Player> onClose;

        private Player(double frequency, String sink, Process sox, Process pacat, Consumer<Player> onClose) {
            this.frequency = frequency;
            this.sink = sink;
            this.sox = sox;
            this.pacat = pacat;
            this.onClose = onClose;
        }

        /**
         * Plays a sine of {@code hz} at half of full scale (RMS 0.354) into
         * {@code sink} of the server at {@code address}, as 48 kHz stereo s16le
         * through {@code pacat} with 20 ms of latency. Both processes get
         * {@code environment} on top of the JVM's; their stderr goes to {@code log}.
         * {@code onClose} is told when the player is closed.
         */
        static Player start(String address, Path log, String sink, double hz, Map<String, String> environment,
                Consumer<Player> onClose, String installHint) {
            if (!(hz > 0 && hz < SAMPLE_RATE / 2.0)) {
                throw new IllegalArgumentException("hz must be in (0, " + SAMPLE_RATE / 2 + "), got " + hz);
            }
            requireCommand("sox", installHint);
            requireCommand("pacat", installHint);
            String rate = Integer.toString(SAMPLE_RATE);
            ProcessBuilder sox = new ProcessBuilder("sox", "-q", "-n",
                    "-t", "raw", "-r", rate, "-e", "signed", "-b", "16", "-c", "2", "-",
                    "synth", "sine", String.format(Locale.ROOT, "%.6f", hz), "vol", "0.5")
                    .redirectError(Redirect.appendTo(log.toFile()));
            ProcessBuilder pacat = new ProcessBuilder("pacat", "--server=" + address,
                    "--raw", "--latency-msec=20", "--device=" + sink,
                    "--format=s16le", "--rate=" + rate, "--channels=2")
                    .redirectOutput(Redirect.DISCARD)
                    .redirectError(Redirect.appendTo(log.toFile()));
            sox.environment().putAll(environment);
            pacat.environment().putAll(environment);
            try {
                List<Process> pipeline = ProcessBuilder.startPipeline(List.of(sox, pacat));
                return new Player(hz, sink, pipeline.get(0), pipeline.get(1), onClose);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start sox | pacat", e);
            }
        }

        /** The tone's frequency in Hz. */
        public double frequency() {
            return frequency;
        }

        /** The sink it plays into. */
        public String sink() {
            return sink;
        }

        /** The {@code pacat} process (the one connected to the server). */
        public Process process() {
            return pacat;
        }

        /** Whether both processes still run (false once the server went away). */
        public boolean isAlive() {
            return sox.isAlive() && pacat.isAlive();
        }

        @Override
        public void close() {
            destroyNow();
            awaitExit(pacat, STOP_TIMEOUT);
            awaitExit(sox, STOP_TIMEOUT);
            onClose.accept(this);
        }

        void destroyNow() {
            pacat.destroyForcibly();
            sox.destroyForcibly();
        }

        @Override
        public String toString() {
            return "Player[" + frequency + " Hz -> " + sink + "]";
        }
    }
}
