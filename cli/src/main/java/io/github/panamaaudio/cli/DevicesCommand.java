package io.github.panamaaudio.cli;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code devices}: the capture sources of the backend, monitors (loopbacks of
 * outputs) included, as a table.
 *
 * <p>Thread-safety: one execution at a time.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List capture devices: microphones, inputs and the monitors (loopbacks) of outputs.",
        footer = {"", "Flags: default = the server's default source; monitor = the loopback of an output;",
                "default-sink-monitor = the loopback of the default output (the system's audio, record --loopback)."})
final class DevicesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    StreamOptions.BackendOptions backend = new StreamOptions.BackendOptions();

    @Override
    public Integer call() throws AudioException {
        AudioCapture.Builder builder = backend.builder();
        List<AudioDevice> devices;
        String backendName;
        try (AudioCapture capture = builder.open()) {
            backendName = capture.backend();
            devices = capture.devices();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (devices.isEmpty()) {
            out.println("no capture devices (backend " + backendName + ")");
            out.flush();
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"NAME", "FLAGS", "FORMAT", "DESCRIPTION"});
        for (AudioDevice d : devices) {
            rows.add(new String[] {d.name(), flags(d), d.sampleRate() + " Hz " + d.channels() + " ch", d.description()});
        }
        int[] width = new int[3];
        for (String[] row : rows) {
            for (int c = 0; c < width.length; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < width.length; c++) {
                line.append(row[c]).append(" ".repeat(width[c] - row[c].length() + 2));
            }
            out.println(line.append(row[3]).toString().stripTrailing());
        }
        out.flush();
        return 0;
    }

    static String flags(AudioDevice d) {
        List<String> flags = new ArrayList<>();
        if (d.defaultSource()) {
            flags.add("default");
        }
        if (d.monitor()) {
            flags.add("monitor");
        }
        if (d.monitorOfDefaultSink()) {
            flags.add("default-sink-monitor");
        }
        return flags.isEmpty() ? "-" : String.join(",", flags);
    }
}
