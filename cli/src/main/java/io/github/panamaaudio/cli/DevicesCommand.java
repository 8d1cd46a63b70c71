package io.github.panamaaudio.cli;

import io.github.panamaaudio.AudioApplication;
import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code devices}: what the backend can capture — its inputs, its outputs (each
 * captured as its loopback) and the applications playing now — as tables, or as
 * one JSON document with {@code --json}.
 *
 * <p>Thread-safety: one execution at a time.
 */
@Command(name = "devices", mixinStandardHelpOptions = true, sortOptions = false,
        description = "List what can be captured: inputs (microphones, line inputs), outputs (recording one "
                + "records its loopback: what the system plays to it) and the applications playing now.",
        footer = {"", "Pass an ID to --device (an input, or an output for its loopback); pass an application's "
                + "PID or NAME to --app.",
                "DEFAULT marks the default input and the default output (--default-input, --loopback)."})
final class DevicesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StreamOptions.BackendOptions backend = new StreamOptions.BackendOptions();

    @Option(names = "--json", description = "Print one JSON document instead of tables: "
            + "{\"backend\", \"inputs\": [...], \"outputs\": [...], \"applications\": [...]}.")
    boolean json;

    @Override
    public Integer call() throws AudioException {
        List<AudioDevice> devices;
        List<AudioApplication> applications;
        String backendName;
        try (AudioCapture capture = backend.open()) {
            backendName = capture.backend();
            devices = capture.devices();
            applications = capture.applications();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.devices(backendName, devices, applications));
        } else {
            printTables(out, backendName, devices, applications);
        }
        out.flush();
        return 0;
    }

    static void printTables(PrintWriter out, String backend, List<AudioDevice> devices,
                            List<AudioApplication> applications) {
        // Inputs and outputs share one set of column widths, so the two tables line up.
        List<String[]> inputs = new ArrayList<>();
        List<String[]> outputs = new ArrayList<>();
        String[] header = {"ID", "DEFAULT", "FORMAT", "DESCRIPTION"};
        for (AudioDevice d : devices) {
            String[] row = {d.id(), d.isDefault() ? "yes" : "-", Words.format(d), d.description()};
            (d.direction() == AudioDevice.Direction.INPUT ? inputs : outputs).add(row);
        }
        List<String[]> all = new ArrayList<>(inputs);
        all.addAll(outputs);
        all.add(header);
        int[] widths = widths(all);

        out.println("Inputs (backend " + backend + "):");
        printTable(out, header, inputs, widths, "no inputs");
        out.println();
        out.println("Outputs (capturing one records its loopback):");
        printTable(out, header, outputs, widths, "no outputs");
        out.println();

        out.println("Applications playing:");
        String[] appHeader = {"PID", "NAME", "BINARY", "STREAMS (title -> output)"};
        List<String[]> apps = new ArrayList<>();
        for (AudioApplication a : applications) {
            apps.add(new String[] {a.processId().isPresent() ? Long.toString(a.processId().getAsLong()) : "?",
                    a.name(), a.binary().isEmpty() ? "-" : a.binary(), Words.streams(a)});
        }
        List<String[]> appRows = new ArrayList<>(apps);
        appRows.add(appHeader);
        printTable(out, appHeader, apps, widths(appRows), "none");
    }

    /** The width of every column but the last (which is not padded). */
    private static int[] widths(List<String[]> rows) {
        int[] width = new int[rows.getFirst().length - 1];
        for (String[] row : rows) {
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        return width;
    }

    private static void printTable(PrintWriter out, String[] header, List<String[]> rows, int[] widths,
                                   String empty) {
        if (rows.isEmpty()) {
            out.println("  (" + empty + ")");
            return;
        }
        printRow(out, header, widths);
        for (String[] row : rows) {
            printRow(out, row, widths);
        }
    }

    private static void printRow(PrintWriter out, String[] row, int[] widths) {
        StringBuilder line = new StringBuilder("  ");
        for (int c = 0; c < widths.length; c++) {
            line.append(row[c]).append(" ".repeat(widths[c] - row[c].length() + 2));
        }
        out.println(line.append(row[widths.length]).toString().stripTrailing());
    }
}
