package io.github.panamaaudio.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A private PipeWire for tests, serving the PulseAudio protocol through
 * {@code pipewire-pulse}: no sound card, no display, works as root, and never
 * talks to the machine's or the user's own PipeWire, PulseAudio or D-Bus.
 *
 * <p>It runs five child processes of the JVM, none daemonized, in this order:
 * <ol>
 *   <li>{@code dbus-daemon --session --nofork} on {@code <dir>/dbus.sock}: WirePlumber
 *       needs a session bus, and this one is private (not {@code --fork}: the
 *       JVM owns and reaps the process it started);</li>
 *   <li>{@code pipewire}, with its default configuration;</li>
 *   <li>{@code wireplumber} (the session manager that links streams), with the
 *       ALSA, V4L2, libcamera and Bluetooth monitors disabled so that it never
 *       opens a real device of a developer's machine;</li>
 *   <li>{@code pipewire-pulse} on {@code <dir>/xdg/pulse/native}.</li>
 * </ol>
 * and, once the fake microphone's FIFO exists, {@code sox synth sine} writing
 * into it. Every one of them gets a clean environment: {@code XDG_RUNTIME_DIR} and
 * {@code PIPEWIRE_RUNTIME_DIR} = {@code <dir>/xdg} (0700, so it is where the
 * {@code pipewire-0} socket is made and looked for), {@code PULSE_RUNTIME_PATH}
 * = {@code <dir>/xdg/pulse}, {@code HOME} and {@code XDG_CONFIG_HOME},
 * {@code XDG_STATE_HOME}, {@code XDG_DATA_HOME} inside {@code <dir>} (no user
 * configuration, no remembered defaults or volumes), the private
 * {@code DBUS_SESSION_BUS_ADDRESS}, a system bus address that does not exist
 * (no rtkit, no logind), and no {@code PULSE_SERVER}, {@code PIPEWIRE_REMOTE},
 * {@code DISPLAY} or {@code WAYLAND_DISPLAY}. They also carry
 * {@value #TAG_VARIABLE}{@code =<dir>}, and so does everything they spawn; when
 * the server stops, every process still carrying the tag (found in
 * {@code /proc/<pid>/environ}) is killed, so nothing is ever left behind.
 *
 * <p>Once {@code pactl info} answers with {@code PulseAudio (on PipeWire ...)}
 * and WirePlumber has chosen defaults, it loads through pactl:
 * <ul>
 *   <li>{@code module-null-sink}: sink {@value #SINK} (48 kHz stereo; PipeWire
 *       makes it float32le), the default sink; its loopback source is
 *       {@value #SINK}{@code .monitor};</li>
 *   <li>{@code module-pipe-source}: source {@value #SINE_SOURCE} (48 kHz mono
 *       s16le) reading the FIFO {@code <dir>/mic.fifo}, into which
 *       {@code sox synth sine 440 vol 0.5} writes: the fake microphone and the
 *       default source, a 440 Hz sine with peak 0.5 (RMS 0.354). The pipe source
 *       is paced by its own timer and sox just blocks on the full FIFO, so it is
 *       steady, and if the graph stalls (a loaded machine) it resumes by itself.
 *       pipewire-pulse has no {@code module-sine-source}; PipeWire's own
 *       {@code audiotestsrc} node was tried and rejected: it drives its graph with
 *       a timer that it stops for good the first time its consumer is late
 *       ("out of buffers"), after which the source is silent forever.</li>
 * </ul>
 * Measured here (2 shared cores): it is started, answers and has its fixtures
 * within 0.13-0.4 s, and {@link #close()} takes about 0.2 s. A new PipeWire
 * stream starts with one quantum (up to 2048 frames) of zeros: compare content
 * after it.
 *
 * <p>Most tests get the one shared instance from {@link PipeWireServerExtension}
 * (or both servers from {@link AudioServers}). A test that kills or restarts the
 * server should {@link #start()} its own and close it.
 *
 * <p>Thread-safety: all methods may be called from any thread; {@link #kill()},
 * {@link #restart()} and {@link #close()} are serialized on the instance.
 * Failures are unchecked ({@link IllegalStateException}, or
 * {@link UncheckedIOException} for I/O) so that tests need no {@code throws}.
 */
public final class PipeWireServer implements AudioServer, AutoCloseable {

    /** Name of the null sink that players write into. */
    public static final String SINK = PulseServer.SINK;
    /** Name of the fake microphone (a pipe source fed by sox). */
    public static final String SINE_SOURCE = PulseServer.SINE_SOURCE;
    /** Frequency of the fake microphone, in Hz. */
    public static final int SINE_FREQUENCY_HZ = PulseServer.SINE_FREQUENCY_HZ;
    /** Environment variable, set to the server's directory, that marks every process it started. */
    public static final String TAG_VARIABLE = "PAC_TEST_PIPEWIRE_DIR";

    private static final System.Logger LOG = System.getLogger(PipeWireServer.class.getName());
    static final String INSTALL_HINT = "run scripts/test once: it installs pipewire, pipewire-bin, "
            + "pipewire-pulse, wireplumber, dbus-daemon, pulseaudio-utils and sox";
    private static final int MAX_SOCKET_PATH = 107;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(3);
    private static final List<String> DAEMONS = List.of("dbus-daemon", "pipewire", "wireplumber", "pipewire-pulse");
    private static final String MICROPHONE_FEED = "sox";

    /** WirePlumber: no real devices, ever. */
    private static final String WIREPLUMBER_MAIN = """
            -- written by PipeWireServer (test fixture): never open real devices
            alsa_monitor.enabled = false
            v4l2_monitor.enabled = false
            libcamera_monitor.enabled = false
            """;
    private static final String WIREPLUMBER_BLUETOOTH = """
            -- written by PipeWireServer (test fixture): never open real devices
            bluez_monitor.enabled = false
            """;

    private final Path dir;
    private final Path runtimeDir;
    private final boolean deleteDirOnClose;
    private final String address;
    private final Set<PulseServer.Player> players = ConcurrentHashMap.newKeySet();
    private final Thread shutdownHook;

    /** Written under the lock; volatile so that the shutdown hook sees them without one. */
    private volatile List<Process> daemons = List.of();
    private boolean closed;        // guarded by this

    private PipeWireServer(Path dir, boolean deleteDirOnClose) {
        this.dir = dir.toAbsolutePath().normalize();
        this.runtimeDir = this.dir.resolve("xdg");
        this.deleteDirOnClose = deleteDirOnClose;
        this.address = "unix:" + runtimeDir.resolve("pulse").resolve("native");
        this.shutdownHook = new Thread(this::destroyProcessesNow, "pipewire-server-shutdown");
    }

    /**
     * Starts a server in a new 0700 temporary directory (under
     * {@code java.io.tmpdir}), deleted again by {@link #close()}.
     *
     * @throws IllegalStateException if a program it needs is not installed (the
     *     message says to run {@code scripts/test}), or the server does not
     *     answer within 10 s (the message has the end of each daemon's log)
     */
    public static PipeWireServer start() {
        return startIn(PulseServer.privateTempDirectory("pac-pw-", "pipewire"), true);
    }

    /**
     * Starts a server in the given directory (created if missing, made 0700,
     * kept by {@link #close()}). Processes left running there by an earlier,
     * killed test run are stopped first.
     */
    public static PipeWireServer start(Path dir) {
        return startIn(dir.toAbsolutePath().normalize(), false);
    }

    private static PipeWireServer startIn(Path dir, boolean deleteOnClose) {
        for (String command : DAEMONS) {
            PulseServer.requireCommand(command, INSTALL_HINT);
        }
        PulseServer.requireCommand(MICROPHONE_FEED, INSTALL_HINT);
        PulseServer.requireCommand("pactl", INSTALL_HINT);
        PipeWireServer server = new PipeWireServer(dir, deleteOnClose);
        String socket = server.address.substring("unix:".length());
        if (socket.getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
            throw new IllegalStateException("socket path " + socket + " is longer than the "
                    + MAX_SOCKET_PATH + " bytes a unix socket allows; use a shorter directory");
        }
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare pipewire directory " + dir, e);
        }
        List<ProcessHandle> stale = taggedProcesses(dir);
        if (!stale.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "stopping " + stale.size() + " stale processes left in " + dir);
            killTagged(dir);
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

    /** {@link AudioServer.Kind#PIPEWIRE}. */
    @Override
    public Kind kind() {
        return Kind.PIPEWIRE;
    }

    /** The address clients connect to: {@code unix:<dir>/xdg/pulse/native}. */
    @Override
    public String address() {
        return address;
    }

    /** The daemons' {@code XDG_RUNTIME_DIR} and {@code PIPEWIRE_RUNTIME_DIR}: {@code <dir>/xdg}. */
    @Override
    public Path runtimeDir() {
        return runtimeDir;
    }

    /** The server's directory: the runtime directory, configuration, state, logs ({@code *.log}). */
    public Path directory() {
        return dir;
    }

    @Override
    public String sinkName() {
        return SINK;
    }

    @Override
    public String monitorOfSink() {
        return SINK + ".monitor";
    }

    /** The fake microphone: mono, 440 Hz, peak 1.0 (the default source). */
    @Override
    public String sineSourceName() {
        return SINE_SOURCE;
    }

    @Override
    public int sineFrequencyHz() {
        return SINE_FREQUENCY_HZ;
    }

    /**
     * {@code PULSE_SERVER} for PulseAudio clients, and {@code PIPEWIRE_RUNTIME_DIR}
     * for PipeWire's own clients ({@code pw-cli}, {@code pw-record}, ...).
     */
    @Override
    public Map<String, String> clientEnvironment() {
        return Map.of("PULSE_SERVER", address, "PIPEWIRE_RUNTIME_DIR", runtimeDir.toString());
    }

    /** Whether all four daemons and the microphone's feed are alive (false after {@link #kill()}). */
    @Override
    public synchronized boolean isRunning() {
        return !daemons.isEmpty() && daemons.stream().allMatch(Process::isAlive);
    }

    /** The processes of the four daemons and of the microphone's feed, in start order (empty while killed). */
    public synchronized List<Process> processes() {
        return daemons;
    }

    @Override
    public String pactl(String... args) {
        List<String> command = new ArrayList<>(List.of("pactl", "-s", address));
        command.addAll(List.of(args));
        return PulseServer.run(command);
    }

    @Override
    public PulseServer.Player playTone(double hz) {
        return playTone(SINK, hz);
    }

    /** {@inheritDoc} The player's processes carry the server's tag too. */
    @Override
    public PulseServer.Player playTone(String sink, double hz) {
        PulseServer.Player player = PulseServer.Player.start(address, dir.resolve("player.log"), sink, hz,
                Map.of(TAG_VARIABLE, dir.toString()), players::remove, INSTALL_HINT);
        players.add(player);
        return player;
    }

    /** {@inheritDoc} On PipeWire the sink's samples are float32le. */
    @Override
    public int loadNullSink(String name) {
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("sink name must match [A-Za-z0-9_.-]+, got '" + name + "'");
        }
        return loadModule("module-null-sink", "sink_name=" + name,
                "rate=" + PulseServer.SAMPLE_RATE, "channels=2");
    }

    @Override
    public void unloadModule(int index) {
        pactl("unload-module", Integer.toString(index));
    }

    /** Kills the daemons and the feed with SIGKILL, and whatever they spawned, and waits until they are gone. */
    @Override
    public synchronized void kill() {
        ensureOpen();
        for (Process process : daemons) {
            process.destroyForcibly();
        }
        for (Process process : daemons) {
            PulseServer.awaitExit(process, STOP_TIMEOUT);
        }
        daemons = List.of();
        killTagged(dir);
    }

    @Override
    public synchronized void restart() {
        ensureOpen();
        if (!daemons.isEmpty()) {
            kill();
        }
        launch();
    }

    /**
     * Stops the players and the daemons (SIGTERM in reverse start order, SIGKILL
     * after 3 s), kills any process still carrying the tag, and, for a server
     * from {@link #start()}, deletes its directory. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (PulseServer.Player player : List.copyOf(players)) {
            player.close();
        }
        synchronized (this) {
            stopDaemons();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or will run; it finds nothing left to do
        }
        if (deleteDirOnClose) {
            PulseServer.deleteRecursively(dir);
        }
    }

    @Override
    public String toString() {
        return "PipeWireServer[" + address + "]";
    }

    // ---------------------------------------------------------------- internals

    private void launch() {
        long started = System.nanoTime();
        writeConfiguration();
        deleteStaleSockets();
        Map<String, String> env = daemonEnvironment();
        List<Process> running = new CopyOnWriteArrayList<>();
        daemons = running;   // so that a failure below still stops what did start
        try {
            Path bus = dir.resolve("dbus.sock");
            running.add(spawn(env, "dbus-daemon", "--session", "--nofork", "--nopidfile",
                    "--address=unix:path=" + bus));
            await(() -> Files.exists(bus), "the D-Bus socket " + bus, running);
            Path pipewireSocket = runtimeDir.resolve("pipewire-0");
            running.add(spawn(env, "pipewire"));
            await(() -> Files.exists(pipewireSocket), "the PipeWire socket " + pipewireSocket, running);
            running.add(spawn(env, "wireplumber"));
            running.add(spawn(env, "pipewire-pulse"));
            // pipewire-pulse answers at once; WirePlumber is ready when it has chosen the defaults
            await(() -> infoMatches(info -> info.contains("Server Name: PulseAudio (on PipeWire")
                    && info.contains("Default Sink: ") && !info.contains("@DEFAULT_SINK@")
                    && info.contains("Default Source: ") && !info.contains("@DEFAULT_SOURCE@")),
                    "pactl info naming PipeWire and the defaults WirePlumber chose", running);
            loadModule("module-null-sink", "sink_name=" + SINK, "rate=" + PulseServer.SAMPLE_RATE, "channels=2");
            Path fifo = dir.resolve("mic.fifo");
            loadModule("module-pipe-source", "source_name=" + SINE_SOURCE, "file=" + fifo,
                    "format=s16le", "rate=" + PulseServer.SAMPLE_RATE, "channels=1");
            // the module made the FIFO and holds it open for reading: sox's open returns at once
            running.add(spawn(env, MICROPHONE_FEED, "-q", "-n", "-t", "raw", "-r",
                    Integer.toString(PulseServer.SAMPLE_RATE), "-e", "signed", "-b", "16", "-c", "1",
                    fifo.toString(), "synth", "sine", Integer.toString(SINE_FREQUENCY_HZ), "vol", "0.5"));
            pactl("set-default-sink", SINK);
            pactl("set-default-source", SINE_SOURCE);
            await(() -> infoMatches(info -> info.contains("Default Sink: " + SINK + "\n")
                    && info.contains("Default Source: " + SINE_SOURCE + "\n")),
                    "WirePlumber making " + SINK + " and " + SINE_SOURCE + " the defaults", running);
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getMessage() + "\nlogs in " + dir + ":\n" + logTails(), e);
        }
        daemons = List.copyOf(running);
        LOG.log(System.Logger.Level.DEBUG, () -> String.format("PipeWire answers on %s after %d ms (pids %s)",
                address, (System.nanoTime() - started) / 1_000_000,
                daemons.stream().map(p -> Long.toString(p.pid())).toList()));
    }

    private int loadModule(String... nameAndArgs) {
        List<String> args = new ArrayList<>(List.of("load-module"));
        args.addAll(Arrays.asList(nameAndArgs));
        String index = pactl(args.toArray(String[]::new)).strip();
        try {
            return Integer.parseInt(index);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("pactl load-module printed '" + index + "', not a module index", e);
        }
    }

    private boolean infoMatches(Predicate<String> test) {
        try {
            return test.test(pactl("info"));
        } catch (IllegalStateException notYet) {
            return false;
        }
    }

    private void await(BooleanSupplier condition, String what, List<Process> mustLive) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            for (int i = 0; i < mustLive.size(); i++) {
                Process process = mustLive.get(i);
                if (!process.isAlive()) {
                    throw new IllegalStateException(process.info().command().orElse("a daemon")
                            + " exited with status " + process.exitValue() + " while waiting for " + what);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + what + " after " + START_TIMEOUT.toSeconds() + " s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + what, e);
            }
        }
    }

    private Process spawn(Map<String, String> env, String... command) {
        String name = command[0];
        Path log = dir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(Redirect.from(new File("/dev/null")))
                .redirectOutput(Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** The whole environment of each daemon: nothing inherited but PATH and the locale. */
    private Map<String, String> daemonEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("LANG", "C.UTF-8");
        env.put("HOME", dir.resolve("home").toString());
        env.put("XDG_RUNTIME_DIR", runtimeDir.toString());
        env.put("PIPEWIRE_RUNTIME_DIR", runtimeDir.toString());
        env.put("PULSE_RUNTIME_PATH", runtimeDir.resolve("pulse").toString());
        env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
        env.put("XDG_STATE_HOME", dir.resolve("state").toString());
        env.put("XDG_DATA_HOME", dir.resolve("data").toString());
        env.put("DBUS_SESSION_BUS_ADDRESS", "unix:path=" + dir.resolve("dbus.sock"));
        env.put("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=" + dir.resolve("no-system-bus"));
        env.put(TAG_VARIABLE, dir.toString());
        return env;
    }

    private void writeConfiguration() {
        try {
            Files.createDirectories(runtimeDir);
            Files.setPosixFilePermissions(runtimeDir, PosixFilePermissions.fromString("rwx------"));
            for (String sub : List.of("home", "state", "data")) {
                Files.createDirectories(dir.resolve(sub));
            }
            Path config = dir.resolve("config");
            write(config.resolve("wireplumber/main.lua.d/51-pac-test.lua"), WIREPLUMBER_MAIN);
            write(config.resolve("wireplumber/bluetooth.lua.d/51-pac-test.lua"), WIREPLUMBER_BLUETOOTH);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the pipewire configuration into " + dir, e);
        }
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /** Sockets, locks and pid files a killed daemon leaves behind. */
    private void deleteStaleSockets() {
        try {
            for (Path p : List.of(dir.resolve("dbus.sock"), dir.resolve("mic.fifo"), runtimeDir.resolve("pipewire-0"),
                    runtimeDir.resolve("pipewire-0.lock"), runtimeDir.resolve("pulse").resolve("native"),
                    runtimeDir.resolve("pulse").resolve("pid"))) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + dir, e);
        }
    }

    /**
     * The microphone's sox at once with SIGKILL (blocked on the FIFO, it sits out
     * SIGTERM for seconds, and it has nothing to save); then the daemons with
     * SIGTERM in reverse start order; then whatever still carries the tag.
     */
    private void stopDaemons() {
        List<Process> running = new ArrayList<>(daemons);
        daemons = List.of();
        for (int i = running.size() - 1; i >= 0; i--) {
            Process process = running.get(i);
            if (i >= DAEMONS.size()) {
                process.destroyForcibly();
                PulseServer.awaitExit(process, STOP_TIMEOUT);
                continue;
            }
            process.destroy();
            if (!PulseServer.awaitExit(process, STOP_TIMEOUT)) {
                LOG.log(System.Logger.Level.WARNING, DAEMONS.get(i) + " did not stop on SIGTERM in "
                        + STOP_TIMEOUT.toSeconds() + " s; killing it");
                process.destroyForcibly();
                PulseServer.awaitExit(process, STOP_TIMEOUT);
            }
        }
        killTagged(dir);
    }

    private synchronized void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /** Shutdown hook: the JVM is exiting without close(); leave no process behind. */
    private void destroyProcessesNow() {
        for (PulseServer.Player player : players) {
            player.destroyNow();
        }
        for (Process process : daemons) {   // racy read is fine: worst case we kill an exited process
            process.destroyForcibly();
        }
        killTagged(dir);
        if (deleteDirOnClose) {
            PulseServer.deleteRecursively(dir);
        }
    }

    /**
     * The live processes whose environment has {@value #TAG_VARIABLE}{@code =dir}:
     * everything a server in {@code dir} started, and everything those started.
     * Reads {@code /proc/<pid>/environ}; processes it may not read are not ours.
     */
    public static List<ProcessHandle> taggedProcesses(Path dir) {
        byte[] needle = (TAG_VARIABLE + "=" + dir.toAbsolutePath().normalize() + "\0")
                .getBytes(StandardCharsets.UTF_8);
        List<ProcessHandle> found = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName()
                .toString().chars().allMatch(Character::isDigit))) {
            for (Path entry : proc) {
                long pid = Long.parseLong(entry.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                byte[] environ;
                try {
                    environ = Files.readAllBytes(entry.resolve("environ"));
                } catch (IOException | SecurityException goneOrNotOurs) {
                    continue;
                }
                if (containsVariable(environ, needle)) {
                    ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(found::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc", e);
        }
        return found;
    }

    /** Whether the NUL-separated {@code environ} has an entry that starts with {@code needle}. */
    private static boolean containsVariable(byte[] environ, byte[] needle) {
        outer:
        for (int start = 0; start + needle.length <= environ.length; ) {
            for (int i = 0; i < needle.length; i++) {
                if (environ[start + i] != needle[i]) {
                    int end = start;
                    while (end < environ.length && environ[end] != 0) {
                        end++;
                    }
                    start = end + 1;
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    /** SIGKILLs every process tagged with {@code dir} and waits (up to 3 s) until they are gone. */
    private static void killTagged(Path dir) {
        List<ProcessHandle> tagged = taggedProcesses(dir);
        tagged.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : tagged) {
            try {
                handle.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                LOG.log(System.Logger.Level.WARNING, "pid " + handle.pid() + " tagged with " + dir
                        + " survived SIGKILL for " + STOP_TIMEOUT.toSeconds() + " s: " + e);
            }
        }
    }

    private String logTails() {
        StringBuilder out = new StringBuilder();
        for (String name : Stream.concat(DAEMONS.stream(), Stream.of(MICROPHONE_FEED)).toList()) {
            Path log = dir.resolve(name + ".log");
            try {
                List<String> lines = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
                out.append("--- ").append(log.getFileName()).append(lines.isEmpty() ? " (empty)" : "").append('\n');
                lines.subList(Math.max(0, lines.size() - 15), lines.size())
                        .forEach(line -> out.append(line).append('\n'));
            } catch (IOException e) {
                out.append("--- ").append(log.getFileName()).append(": unreadable: ").append(e).append('\n');
            }
        }
        return out.toString();
    }
}
