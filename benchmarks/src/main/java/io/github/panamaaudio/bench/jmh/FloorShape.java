package io.github.panamaaudio.bench.jmh;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.loader.ShimLoader;

import java.io.IOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the packet-path floor must match for {@code ours / floor} to compare like
 * with like, measured on the library as built, not assumed:
 * <ul>
 *   <li><b>the working set</b>: how many distinct pool segments {@code next()} hands
 *       out in steady state (a FIFO free list rotates through every segment of the
 *       pool; a LIFO one reuses the most recently released, so one reader that
 *       closes each packet before the next keeps to one). The floor cycles through
 *       as many segments of the same size, from a pool created the same way;</li>
 *   <li><b>the segment arguments</b> of the packet downcall, {@code pac_stream_read}:
 *       every address argument is a {@code MemorySegment} whose arena FFM acquires and
 *       releases around the call (a shared arena: an atomic each way), so the floor
 *       passes as many, of the same kinds.</li>
 * </ul>
 * {@code main} writes both as JSON for the report ({@code --out FILE}); the benchmark
 * measures them again in its own fork, with the same code. Stateless, thread-safe.
 */
public final class FloorShape {

    /** Packets read before the working set is counted, and then counted. */
    static final int PROBE_WARMUP = 1_024;
    static final int PROBE_PACKETS = 4_096;

    private FloorShape() {
    }

    /** The working set of {@code stream}: distinct segments over {@link #PROBE_PACKETS} packets, and the hottest's share. */
    record WorkingSet(int segments, double hottestShare) {
    }

    static WorkingSet workingSet(AudioStream stream) throws AudioException {
        for (int i = 0; i < PROBE_WARMUP; i++) {
            stream.next().close();
        }
        Map<Long, Integer> seen = new HashMap<>();
        for (int i = 0; i < PROBE_PACKETS; i++) {
            try (AudioPacket p = stream.next()) {
                seen.merge(p.segment().address(), 1, Integer::sum);
            }
        }
        int hottest = seen.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return new WorkingSet(seen.size(), (double) hottest / PROBE_PACKETS);
    }

    /** The address arguments of {@code pac_stream_read}, in the bindings the library was built with. */
    static int streamReadSegmentArguments() {
        return (int) PacShim.pac_stream_read$descriptor().argumentLayouts().stream()
                .filter(l -> l instanceof AddressLayout).count();
    }

    /** {@code pac_stream_read}'s C signature, as jextract saw it, for the report: the layouts' kinds in order. */
    static String streamReadArguments() {
        FunctionDescriptor d = PacShim.pac_stream_read$descriptor();
        StringBuilder sb = new StringBuilder();
        for (MemoryLayout l : d.argumentLayouts()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(l instanceof AddressLayout ? "address"
                    : l instanceof ValueLayout v ? v.carrier().getSimpleName() : l.toString());
        }
        return sb.toString();
    }

    public static void main(String[] argv) throws IOException, AudioException {
        Path out = Path.of(argv.length == 2 && argv[0].equals("--out") ? argv[1] : "floorshape.json");
        ShimLoader.ensureLoaded();
        StringBuilder json = new StringBuilder("{\"sizes\": {");
        for (int size : List.of(480, 3_840, 38_400)) {
            try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
                 AudioStream stream = capture.openStream(PacketShapes.patternStream(size, false))) {
                WorkingSet ws = workingSet(stream);
                json.append(size == 480 ? "" : ", ").append(String.format(Locale.ROOT,
                        "\"%d\": {\"workingSetSegments\": %d, \"hottestShare\": %.4f, \"poolSegments\": %d}",
                        size, ws.segments(), ws.hottestShare(), stream.config().initialSegments()));
            }
        }
        json.append(String.format(Locale.ROOT, "}, \"segmentArguments\": %d, \"streamReadArguments\": \"%s\","
                        + " \"probePackets\": %d}%n", streamReadSegmentArguments(), streamReadArguments(),
                PROBE_PACKETS));
        Files.writeString(out, json, StandardCharsets.UTF_8);
        System.err.print(json);
    }
}
