package io.github.panamaaudio.cli;

import io.github.panamaaudio.AudioException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * The {@code panama-audio} command: {@code devices}, {@code record}, {@code monitor}.
 *
 * <p>Exit status: 0 success; 1 a runtime failure (no audio server, the server
 * went away, the backend cannot capture what was asked, the file could not be
 * written); 2 bad usage — an unknown option, a value outside its range, an
 * unknown device or process id, or a format the server refuses. Every
 * failure prints one line {@code error: <message>} on stderr; usage errors add the
 * usage help. A process stopped by SIGINT/SIGTERM finishes its file first and then
 * exits with the signal's status (130, 143).
 *
 * <p>Thread-safety: each {@link #commandLine()} is for one execution at a time.
 */
@Command(name = "panama-audio",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Capture audio (inputs, the loopback of outputs, single applications) through the Java FFM API.",
        subcommands = {DevicesCommand.class, RecordCommand.class, MonitorCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit status of a runtime failure. */
    public static final int EXIT_FAILURE = CommandLine.ExitCode.SOFTWARE;
    /** Exit status of bad usage. */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** A fully configured command line; call {@code setOut}/{@code setErr} on it to capture its output. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler(Main::usageError);
        cmd.setExecutionExceptionHandler(Main::failure);
        return cmd;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: devices, record or monitor");
    }

    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String message = String.valueOf(ex.getMessage());
        err.println("error: " + (message.startsWith("Error: ") ? message.substring(7) : message));
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            cmd.usage(err, cmd.getColorScheme());
        }
        err.flush();
        return EXIT_USAGE;
    }

    private static int failure(Exception ex, CommandLine cmd, CommandLine.ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        int status;
        String message;
        if (ex instanceof AudioException audio) {
            status = switch (audio.kind()) {
                case DEVICE_NOT_FOUND, FORMAT_UNSUPPORTED -> EXIT_USAGE;
                default -> EXIT_FAILURE;
            };
            message = audio.getMessage();
        } else if (ex instanceof IllegalArgumentException) {
            status = EXIT_USAGE;
            message = ex.getMessage();
        } else if (ex instanceof IOException io) {
            status = EXIT_FAILURE;
            message = describe(io);
        } else {
            status = EXIT_FAILURE;
            message = "unexpected " + ex;
            ex.printStackTrace(err);
        }
        err.println("error: " + message);
        err.flush();
        return status;
    }

    /** An I/O failure in words: NIO's file exceptions carry only the path as their message. */
    static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException f) {
            return "no such file or directory: " + f.getFile();
        }
        if (e instanceof java.nio.file.AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getFile() + ": " + f.getReason();
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"panama-audio " + (v == null ? "(development build)" : v),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
