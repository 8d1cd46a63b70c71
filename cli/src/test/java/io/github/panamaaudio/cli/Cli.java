package io.github.panamaaudio.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs {@link Main} in-process, exactly as {@code java -jar} would parse the
 * arguments, and keeps what it printed.
 *
 * <p>Thread-safety: each call is independent.
 */
record Cli(int status, String out, String err) {

    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Cli(status, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
