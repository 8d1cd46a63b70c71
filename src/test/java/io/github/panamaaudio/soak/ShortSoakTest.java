package io.github.panamaaudio.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The short soak in every test run: 1 000 000 unpaced tone packets, then 60 s of
 * real-time capture from the private PulseAudio server, in a JVM of its own (so that
 * other tests do not move its heap and RSS figures), with a fixed, pre-touched heap
 * (so RSS growth shows what the heap figure does not: off-heap memory) and Native
 * Memory Tracking on. Thresholds per phase: 0 errors, pool hit rate at least
 * 99.9 %, heap used after GC and process RSS growing less than 2 MiB from the first
 * quarter of the phase to the last.
 */
@ExtendWith(PulseServerExtension.class)
class ShortSoakTest {

    /** JVM options of the soak's own JVM; scripts/soak uses the same. */
    static final List<String> JVM_OPTIONS = List.of("--enable-native-access=ALL-UNNAMED", "-Xms128m", "-Xmx128m",
            "-XX:+AlwaysPreTouch", "-XX:NativeMemoryTracking=summary");

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aMillionUnpacedPacketsAndAMinuteOfRealTimeCaptureStayWithinTheThresholds(PulseServer server)
            throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Soak.class.getName(),
                "--packets", "1000000", "--seconds", "60", "--server", server.address()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the soak JVM ends after its output");
        System.out.println(output); // the table, in the test report

        Map<String, Map<String, String>> results = new HashMap<>();
        output.lines().filter(l -> l.startsWith("RESULT ")).forEach(l -> {
            Map<String, String> fields = new HashMap<>();
            for (String pair : l.substring("RESULT ".length()).split(" ")) {
                int eq = pair.indexOf('=');
                fields.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
            results.put(fields.get("phase"), fields);
        });
        assertEquals(java.util.Set.of("unpaced", "realtime"), results.keySet(), output);

        Map<String, String> unpaced = results.get("unpaced");
        assertEquals(1_000_000, Long.parseLong(unpaced.get("packets")), output);
        Map<String, String> realtime = results.get("realtime");
        long realtimePackets = Long.parseLong(realtime.get("packets"));
        assertTrue(realtimePackets >= 5_500 && realtimePackets <= 6_500,
                "60 s of 10 ms packets, in real time: " + realtimePackets);
        for (Map<String, String> phase : results.values()) {
            String name = phase.get("phase");
            assertEquals(0, Long.parseLong(phase.get("errors")), name + " errors\n" + output);
            assertTrue(Double.parseDouble(phase.get("hitRate")) >= Soak.MIN_HIT_RATE,
                    name + " hit rate " + phase.get("hitRate") + "\n" + output);
            assertTrue(Long.parseLong(phase.get("heapGrowthBytes")) < Soak.MAX_GROWTH_BYTES,
                    name + " heap-after-GC growth " + phase.get("heapGrowthBytes") + " B\n" + output);
            // a leak of the shim or libpulse grows both the RSS and the C heap in use; the JVM's
            // own memory moves only one of them (see Soak.Verdict.rssOk)
            assertTrue(Long.parseLong(phase.get("rssGrowthBytes")) < Soak.MAX_GROWTH_BYTES
                    || Long.parseLong(phase.get("mallocGrowthBytes")) < Soak.MAX_GROWTH_BYTES,
                    name + " C heap growth " + phase.get("mallocGrowthBytes") + " B (RSS: "
                            + phase.get("rssGrowthBytes") + " B)\n" + output);
        }
        assertTrue(output.contains("SOAK PASS"), output);
        assertEquals(0, process.exitValue(), output);
    }
}
