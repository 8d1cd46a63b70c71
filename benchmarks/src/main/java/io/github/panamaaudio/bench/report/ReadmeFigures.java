package io.github.panamaaudio.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the figures table of the README from {@code RESULTS.md}, so that it is never
 * typed by hand: the block between {@link #BEGIN} and {@link #END} is replaced by the
 * run's date and machine and the "Summary" table of {@code RESULTS.md}, as is.
 * Everything outside the markers stays as it was. Stateless.
 */
final class ReadmeFigures {

    static final String BEGIN = "<!-- figures:begin (written by scripts/bench from benchmarks/RESULTS.md; do not edit) -->";
    static final String END = "<!-- figures:end -->";

    private ReadmeFigures() {
    }

    static void update(Path results, Path readme) throws IOException {
        List<String> lines = Files.readAllLines(results, StandardCharsets.UTF_8);
        List<String> table = new ArrayList<>();
        String date = "an unknown date";
        String cpu = "";
        String os = "";
        String jdk = "";
        boolean inSummary = false;
        for (String line : lines) {
            if (line.startsWith("## ")) {
                inSummary = line.equals("## Summary");
                continue;
            }
            if (inSummary && line.startsWith("|")) {
                table.add(line);
            }
            if (line.startsWith("- Date: ")) {
                date = line.substring("- Date: ".length()).strip();
            } else if (line.startsWith("- CPU: ")) {
                cpu = line.substring("- CPU: ".length()).replaceFirst(";.*$", "").strip();
            } else if (line.startsWith("- OS: ")) {
                os = line.substring("- OS: ".length()).strip();
            } else if (line.startsWith("- JDK: ")) {
                jdk = line.substring("- JDK: ".length()).replaceFirst(" \\(`[^`]*`\\)$", "").strip();
            }
        }
        if (table.size() < 3) {
            throw new IllegalStateException(results + " has no Summary table");
        }
        if (lines.stream().anyMatch(l -> l.contains("Quick smoke run"))) {
            throw new IllegalStateException(results + " is a quick smoke run: its figures do not go into the README");
        }
        String readmeText = Files.readString(readme, StandardCharsets.UTF_8);
        int begin = readmeText.indexOf(BEGIN);
        int end = readmeText.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalStateException(readme + " has no figures block (" + BEGIN + " … " + END + ")");
        }
        StringBuilder block = new StringBuilder(BEGIN).append("\n\n");
        block.append("Run of ").append(date).append(": ").append(cpu).append("; ").append(os).append("; ").append(jdk)
                .append(". A shared machine: the figures are noisy.\n\n");
        for (String row : table) {
            block.append(row).append('\n');
        }
        block.append('\n');
        String updated = readmeText.substring(0, begin) + block + readmeText.substring(end);
        Files.writeString(readme, updated, StandardCharsets.UTF_8);
    }
}
