package io.github.panamaaudio.cli;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.SampleFormat;
import io.github.panamaaudio.StreamConfig;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The options every capturing command shares: what to capture (one source
 * selector), sample format, rate, channels, packet size, backend and server.
 * {@link #toConfig(String)} validates them all through {@link StreamConfig.Builder}
 * before anything in C is touched, and names the offending option in the
 * {@link IllegalArgumentException}.
 *
 * <p>Thread-safety: filled by picocli, then read by one command thread.
 */
final class StreamOptions {

    /** Every option of this mixin, for commands that reject them in a mode without a stream. */
    static final String[] OPTION_NAMES = {"--loopback", "--default-input", "--default-source", "--device", "--app",
            "--format", "--rate", "--channels", "--packet-ms"};

    @Mixin
    BackendOptions backend = new BackendOptions();

    @ArgGroup(exclusive = true, multiplicity = "0..1",
            heading = "What to capture (one of; default: --loopback, or with --backend tone, which has no outputs,"
                    + " its sine input):%n")
    SourceChoice source;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "S16LE",
            description = "Sample format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    SampleFormat format;

    @Option(names = "--rate", paramLabel = "HZ", defaultValue = "48000",
            description = "Sample rate in Hz, 8000..384000 (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--channels", paramLabel = "N", defaultValue = "2",
            description = "Channels, 1..32 (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--packet-ms", paramLabel = "MS", defaultValue = "10",
            description = "Audio per packet in milliseconds, 1..1000 (default: ${DEFAULT-VALUE}).")
    int packetMillis;

    /** Mutually exclusive source selectors. */
    static final class SourceChoice {
        @Option(names = "--loopback", description = "The loopback of the default output: everything the system "
                + "plays. Follows the default output when it changes; never falls back to an input.")
        boolean loopback;

        @Option(names = "--default-input",
                description = "The default input (usually a microphone). Follows it when it changes.")
        boolean defaultInput;

        /** The pre-0.2 spelling of --default-input, kept so that old scripts still run; not in the help. */
        @Option(names = "--default-source", hidden = true)
        boolean defaultSource;

        @Option(names = "--device", paramLabel = "ID",
                description = "One device by id, as `devices` lists it: an input, or an output (captures its "
                        + "loopback). Never moves: the capture ends if the device goes away.")
        String deviceId;

        @Option(names = "--app", paramLabel = "NAME|PID",
                description = "Only what one application plays, all its streams mixed, without touching its audio: "
                        + "digits = a process id, anything else = an application name or binary (any process, "
                        + "also one that starts later), as `devices` lists them.")
        String app;
    }

    /**
     * The source the options name.
     *
     * @throws IllegalArgumentException naming the option, its value and what is allowed
     */
    StreamConfig.Source source() {
        if (source != null && source.deviceId != null) {
            String id = source.deviceId;
            return checked("--device", quoted(id), () -> StreamConfig.Source.device(id));
        }
        if (source != null && source.app != null) {
            return application(source.app);
        }
        if (source != null && (source.defaultInput || source.defaultSource)) {
            return StreamConfig.Source.defaultInput();
        }
        if ((source == null || !source.loopback) && "tone".equalsIgnoreCase(backend.name)) {
            return StreamConfig.Source.defaultInput(); // tone has no outputs: its default is its sine
        }
        return StreamConfig.Source.defaultOutput();
    }

    /**
     * {@code --app}'s value: digits are a process id, anything else an application
     * name or binary.
     */
    static StreamConfig.Source application(String value) {
        if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
            long pid;
            try {
                pid = Long.parseLong(value);
            } catch (NumberFormatException tooLong) {
                pid = Long.MAX_VALUE; // out of range either way: the range check below names it
            }
            if (pid < 1 || pid > StreamConfig.MAX_PROCESS_ID) {
                throw new IllegalArgumentException("--app " + value + ": digits are a process id, allowed 1.."
                        + StreamConfig.MAX_PROCESS_ID);
            }
            long p = pid;
            return checked("--app", value, () -> StreamConfig.Source.application(p));
        }
        try {
            return StreamConfig.Source.application(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--app " + quoted(value) + ": " + e.getMessage()
                    + " (NAME|PID: an application name or binary, or a process id 1.." + StreamConfig.MAX_PROCESS_ID
                    + ")", e);
        }
    }

    /** Warns about deprecated spellings; call once per execution. */
    void warnDeprecated(PrintWriter err) {
        if (source != null && source.defaultSource) {
            err.println("warning: --default-source is deprecated; use --default-input");
            err.flush();
        }
    }

    /** A short description of the chosen source for messages. */
    String sourceLabel() {
        StreamConfig.Source s = source();
        return s.kind() == StreamConfig.Source.Kind.DEFAULT_OUTPUT ? s + " (the system's audio)" : s.toString();
    }

    /** The option that named the source, for error messages; null for a default. */
    String sourceOption() {
        if (source == null) {
            return null;
        }
        if (source.deviceId != null) {
            return "--device " + source.deviceId;
        }
        if (source.app != null) {
            return "--app " + source.app;
        }
        return null;
    }

    /**
     * Validates every option and builds the configuration.
     *
     * @param name the stream's label for logs and metrics
     * @throws IllegalArgumentException naming the option, its value and the allowed range
     */
    StreamConfig toConfig(String name) {
        StreamConfig.Builder b = StreamConfig.builder().name(name);
        b.source(source());
        b.format(format);
        set("--rate", rate, b::sampleRate);
        set("--channels", channels, b::channels);
        set("--packet-ms", packetMillis, ms -> b.packetDuration(Duration.ofMillis(ms)));
        return b.build();
    }

    /**
     * Opens the stream; a failure caused by the device or application asked for
     * (it does not exist, the backend cannot capture applications) names the option
     * that asked, and what the library said.
     */
    AudioStream openStream(AudioCapture capture, StreamConfig config) throws AudioException {
        try {
            return capture.openStream(config);
        } catch (AudioException e) {
            String option = sourceOption();
            boolean aboutTheSource = e.kind() == AudioException.Kind.DEVICE_NOT_FOUND
                    || e.kind() == AudioException.Kind.BACKEND_UNAVAILABLE;
            if (option != null && aboutTheSource) {
                throw new AudioException(e.kind(), option + ": " + e.getMessage(), e);
            }
            if (option == null && e.kind() == AudioException.Kind.DEVICE_NOT_FOUND) {
                String selector = config.source().kind() == StreamConfig.Source.Kind.DEFAULT_OUTPUT
                        ? "--loopback" : "--default-input";
                throw new AudioException(e.kind(), selector + (source == null ? " (the default)" : "") + ": "
                        + e.getMessage()
                        + "; `devices` lists what there is, --device ID picks one", e);
            }
            throw e;
        }
    }

    private static String quoted(String value) {
        return value.isEmpty() || value.chars().anyMatch(c -> c <= ' ') ? "'" + value + "'" : value;
    }

    private static void set(String option, int value, Consumer<Integer> setter) {
        checked(option, value, () -> {
            setter.accept(value);
            return null;
        });
    }

    static <T> T checked(String option, Object value, Supplier<T> action) {
        try {
            return action.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + value + ": " + e.getMessage(), e);
        }
    }

    /** --backend and --server, shared by every command that talks to an audio backend. */
    static final class BackendOptions {
        @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
                completionCandidates = BackendNames.class,
                description = "Capture backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}). "
                        + "auto = PulseAudio (or PipeWire's pulse server); tone = synthetic inputs "
                        + "(sine, pattern; e.g. --device 'sine?frequency=1000'), no outputs, no applications.")
        String name;

        @Option(names = "--server", paramLabel = "ADDR",
                description = "PulseAudio server address, e.g. unix:/run/user/1000/pulse/native "
                        + "(default: libpulse's choice, i.e. $PULSE_SERVER or the user's runtime directory). "
                        + "The pulse backend's option `server`.")
        String server;

        /** Validates --backend and --server without connecting. */
        AudioCapture.Builder builder() {
            AudioCapture.Builder b = AudioCapture.builder().applicationName("panama-audio-capture-cli");
            checked("--backend", name, () -> b.backend(name));
            if (server != null) {
                if ("tone".equalsIgnoreCase(name)) {
                    throw new IllegalArgumentException("--server " + server
                            + ": the tone backend has no server; --server applies to --backend auto or pulse");
                }
                checked("--server", server, () -> b.option("server", server));
            }
            return b;
        }

        /** Opens the capture; a bad --server value is reported as --server's. */
        AudioCapture open() throws AudioException {
            AudioCapture.Builder b = builder();
            try {
                return b.open();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException((server == null ? "--backend " + name : "--server " + server)
                        + ": " + e.getMessage(), e);
            }
        }
    }

    /** The names --backend accepts, for help and shell completion. */
    static final class BackendNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("auto", "pulse", "wasapi", "tone").iterator();
        }
    }
}
