package io.github.panamaaudio.bench.sidebyside;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Asks a PulseAudio server, through {@code pactl}, which source a process records from. Stateless. */
final class PulseQuery {

    private PulseQuery() {
    }

    /**
     * The name of the source that the record stream of process {@code pid} is
     * connected to, or a sentence starting with "unknown" when there is none.
     */
    static String recordedSource(String pactl, String server, long pid) throws IOException, InterruptedException {
        Map<String, String> sourceNames = new HashMap<>();
        for (String line : run(pactl, "-s", server, "list", "short", "sources").split("\n")) {
            String[] cols = line.split("\t");
            if (cols.length >= 2) {
                sourceNames.put(cols[0].trim(), cols[1].trim());
            }
        }
        // blocks: "Source Output #N" ... "Source: <index>" ... application.process.id = "<pid>"
        String wantedPid = "application.process.id = \"" + pid + "\"";
        for (String block : run(pactl, "-s", server, "list", "source-outputs").split("\n\\s*\n")) {
            if (!block.contains(wantedPid)) {
                continue;
            }
            for (String line : block.split("\n")) {
                String t = line.trim();
                if (t.startsWith("Source:")) {
                    String index = t.substring("Source:".length()).trim();
                    return sourceNames.getOrDefault(index, "unknown (source #" + index + ")");
                }
            }
        }
        return "unknown (no record stream of pid " + pid + ")";
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LC_ALL", "C");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " did not finish in 10 s");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + new String(out, StandardCharsets.UTF_8).trim());
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
