package io.github.panamaaudio.bench.jmh;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.StreamConfig;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_packet_info;
import io.github.panamaaudio.internal.loader.ShimLoader;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The packet path: what it costs to get one packet of audio from C into Java's hands.
 *
 * <ul>
 *   <li>{@link #ours}: {@code stream.next()} + {@code close()} on the unpaced tone
 *       backend in test-pattern mode: the whole library path (read lock, pool
 *       acquire, one downcall whose C side is a mutex and one memcpy into the pooled
 *       segment, packet lease, pool release).</li>
 *   <li>{@link #shimStreamRead}: the shim's own part of {@link #ours}: one
 *       {@code pac_stream_read} downcall on a tone stream opened directly through the
 *       bindings (the C stream's mutex, the memcpy, the packet-info struct), without
 *       the Java API around it. {@code ours − shimStreamRead} is the Java side's cost,
 *       {@code shimStreamRead − floor} the C stream's.</li>
 *   <li>{@link #floor}: the same memcpy through one bare downcall,
 *       {@code pac_pattern_fill}, into a preallocated segment of a shared arena (the
 *       kind of memory the pool hands out): what any FFM design must pay.</li>
 *   <li>{@link #copyNewArray}: the floor, then the bytes copied into a new
 *       {@code byte[]} per packet, as a JNI binding returning an array does.</li>
 *   <li>{@link #copyReusedArrayByteBuffer}: the floor, then the bytes copied into a
 *       reused {@code byte[]} and read through a {@code ByteBuffer} wrapping it, as a
 *       {@code javax.sound.sampled} reader does.</li>
 * </ul>
 *
 * Every variant reads the packet's last byte through the consumer's view, so each
 * one ends with the data in Java's hands. Run with {@code -prof gc}: its
 * {@code gc.alloc.rate.norm} is the bytes allocated per packet.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class PacketPathBenchmark {

    /** Packet size in bytes; see {@link PacketShapes}. */
    @Param({"480", "3840", "38400"})
    public int packetBytes;

    private AudioCapture capture;
    private AudioStream stream;

    private Arena arena;
    private MemorySegment shimStream;
    private MemorySegment shimSegment;
    private MemorySegment shimInfo;
    private MemorySegment floorSegment;
    private long floorOffset;
    private byte[] reused;

    @Setup(Level.Trial)
    public void setUp() throws AudioException {
        ShimLoader.ensureLoaded(); // before any generated binding class is touched
        capture = AudioCapture.builder().backend("tone").open();
        stream = capture.openStream(PacketShapes.patternStream(packetBytes, false));
        arena = Arena.ofShared();
        floorSegment = arena.allocate(packetBytes, 64);
        shimSegment = arena.allocate(packetBytes, 64);
        shimInfo = pac_packet_info.allocate(arena);
        shimStream = openShimStream(stream.config());
        reused = new byte[packetBytes];
        checkPatternsAgree();
    }

    /** Both paths must deliver the same bytes, or the comparison means nothing. */
    private void checkPatternsAgree() throws AudioException {
        byte[] fromStream;
        try (AudioPacket p = stream.next()) {
            fromStream = p.segment().toArray(ValueLayout.JAVA_BYTE);
        }
        fillFloor();
        byte[] fromFloor = floorSegment.toArray(ValueLayout.JAVA_BYTE);
        if (!java.util.Arrays.equals(fromStream, fromFloor)) {
            throw new IllegalStateException("the stream's first packet and pac_pattern_fill differ");
        }
    }

    /** The same tone stream as {@code stream}, opened through the bindings alone. */
    private MemorySegment openShimStream(StreamConfig config) throws AudioException {
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        int format = switch (config.format()) {
            case S16LE -> PacShim.PAC_FORMAT_S16LE();
            case S32LE -> PacShim.PAC_FORMAT_S32LE();
            case F32LE -> PacShim.PAC_FORMAT_F32LE();
        };
        int rc = PacShim.pac_tone_open(PacShim.PAC_TONE_PATTERN(), format, config.sampleRate(), config.channels(),
                config.packetFrames(), 0, 0, 0, out);
        if (rc != PacShim.PAC_OK()) {
            throw new AudioException(AudioException.Kind.INTERNAL, "pac_tone_open returned " + rc);
        }
        return out.get(ValueLayout.ADDRESS, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        capture.close();
        PacShim.pac_stream_close(shimStream);
        arena.close();
    }

    @Benchmark
    public byte ours() throws AudioException {
        try (AudioPacket packet = stream.next()) {
            return packet.segment().get(ValueLayout.JAVA_BYTE, packetBytes - 1);
        }
    }

    @Benchmark
    public byte shimStreamRead() {
        int rc = PacShim.pac_stream_read(shimStream, shimSegment, packetBytes, 1000, shimInfo);
        if (rc != 0) {
            throw new IllegalStateException("pac_stream_read returned " + rc);
        }
        return shimSegment.get(ValueLayout.JAVA_BYTE, packetBytes - 1);
    }

    @Benchmark
    public byte floor() {
        fillFloor();
        return floorSegment.get(ValueLayout.JAVA_BYTE, packetBytes - 1);
    }

    @Benchmark
    public byte copyNewArray(Blackhole bh) {
        fillFloor();
        byte[] copy = new byte[packetBytes];
        MemorySegment.copy(floorSegment, ValueLayout.JAVA_BYTE, 0, copy, 0, packetBytes);
        bh.consume(copy);
        return copy[packetBytes - 1];
    }

    @Benchmark
    public byte copyReusedArrayByteBuffer() {
        fillFloor();
        MemorySegment.copy(floorSegment, ValueLayout.JAVA_BYTE, 0, reused, 0, packetBytes);
        ByteBuffer view = ByteBuffer.wrap(reused, 0, packetBytes).order(ByteOrder.LITTLE_ENDIAN);
        return view.get(packetBytes - 1);
    }

    private void fillFloor() {
        PacShim.pac_pattern_fill(floorSegment, packetBytes, floorOffset);
        floorOffset += packetBytes;
    }
}
