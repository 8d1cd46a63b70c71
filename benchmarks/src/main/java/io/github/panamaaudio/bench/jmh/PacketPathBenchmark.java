package io.github.panamaaudio.bench.jmh;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.StreamConfig;
import io.github.panamaaudio.internal.NativeStream;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_error;
import io.github.panamaaudio.internal.ffi.pac_packet_info;
import io.github.panamaaudio.internal.ffi.pac_stream_params;
import io.github.panamaaudio.internal.loader.ShimLoader;
import io.github.panamaaudio.pool.SegmentPool;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.lang.invoke.MethodHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
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
 *       acquire, one {@code pac_stream_read} downcall whose C side is one memcpy
 *       into the pooled segment, packet lease, pool release).</li>
 *   <li>{@link #shimStreamRead}: the shim's own part of {@link #ours}: the
 *       library's {@code NativeStream.read} (the one downcall, with the arguments
 *       ours passes) on a tone stream opened directly through the bindings, without
 *       the Java API around it. {@code ours − shimStreamRead} is the Java side's cost,
 *       {@code shimStreamRead − floor} the C stream's.</li>
 *   <li>{@link #floor}: the same memcpy through one bare downcall,
 *       {@code pac_pattern_fill}, shaped like ours (see {@link FloorShape}): it
 *       cycles through as many segments of the packet's size as ours' pool actually
 *       hands out ({@link #floorWorkingSet}), taken from a pool created like
 *       ours', and it passes as many {@code MemorySegment} arguments of the same
 *       kinds as {@code pac_stream_read} takes: the destination (the pool's shared
 *       arena), the error out-struct (pac_pattern_fill's own last parameter, which it
 *       writes), a global-scope address in the place of the stream handle, and a
 *       segment of a shared arena in the place of the packet info. FFM acquires and
 *       releases each argument's arena around the call, so the count matters; the
 *       function ignores the arguments after its own four (C's calling conventions on x86-64 and AArch64
 *       pass them in registers the callee does not read, and the caller owns
 *       them).</li>
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

    /** Address arguments of {@code pac_stream_read} in the bindings the library was built with. */
    static final int SEGMENT_ARGUMENTS;
    /** {@code pac_pattern_fill(dst, n, offset)} called with the extra address arguments of ours. */
    private static final MethodHandle FLOOR_3;
    private static final MethodHandle FLOOR_4;

    static {
        try {
            ShimLoader.ensureLoaded(); // before any generated binding class is touched
        } catch (AudioException e) {
            throw new ExceptionInInitializerError(e);
        }
        SEGMENT_ARGUMENTS = FloorShape.streamReadSegmentArguments();
        if (SEGMENT_ARGUMENTS != 3 && SEGMENT_ARGUMENTS != 4) {
            throw new IllegalStateException("pac_stream_read takes " + SEGMENT_ARGUMENTS
                    + " address arguments; the floor knows 3 (stream, dst, info) and 4 (and the error): give it"
                    + " a handle of that shape");
        }
        FLOOR_3 = floorHandle(3);
        FLOOR_4 = floorHandle(4);
    }

    @SuppressWarnings("restricted") // a downcall; the benchmark forks run with --enable-native-access
    private static MethodHandle floorHandle(int segmentArguments) {
        List<MemoryLayout> args = new ArrayList<>(List.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_LONG));
        for (int i = 1; i < segmentArguments; i++) {
            args.add(ValueLayout.ADDRESS);
        }
        return Linker.nativeLinker().downcallHandle(PacShim.pac_pattern_fill$address(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, args.toArray(MemoryLayout[]::new)));
    }

    /** Packet size in bytes; see {@link PacketShapes}. */
    @Param({"480", "3840", "38400"})
    public int packetBytes;

    private AudioCapture capture;
    private AudioStream stream;

    private Arena arena;
    private NativeStream shimStream;
    private MemorySegment shimSegment;

    /** Segments ours' pool hands out in steady state, measured in {@link #setUp}. */
    private int floorWorkingSet;
    private SegmentPool floorPool;
    private MemorySegment[] floorSegments;
    private int floorNext;
    private MemorySegment floorHandleLike;
    private MemorySegment floorInfoLike;
    private MemorySegment floorErrorLike;
    private long floorOffset;
    private byte[] reused;

    @Setup(Level.Trial)
    public void setUp() throws AudioException {
        capture = AudioCapture.builder().backend("tone").open();
        stream = capture.openStream(PacketShapes.patternStream(packetBytes, false));
        arena = Arena.ofShared();
        StreamConfig config = stream.config();
        floorWorkingSet = FloorShape.workingSet(stream).segments();
        floorPool = SegmentPool.create(config.packetBytes(), config.initialSegments(), config.maxSegments());
        floorSegments = new MemorySegment[floorWorkingSet];
        for (int i = 0; i < floorWorkingSet; i++) {
            SegmentPool.Slot slot = floorPool.tryAcquire();
            if (slot == null) {
                throw new IllegalStateException("the floor's pool ran dry at " + i + " of " + floorWorkingSet);
            }
            floorSegments[i] = slot.segment();
        }
        shimSegment = arena.allocate(packetBytes, 64);
        MemorySegment handle = openShimStream(config);
        shimStream = new NativeStream(handle, "tone");
        floorHandleLike = handle; // a global-scope address, as ours' stream handle; pac_pattern_fill ignores it
        floorInfoLike = pac_packet_info.allocate(arena);
        floorErrorLike = pac_error.allocate(arena); // pac_pattern_fill's own last parameter: it writes its status here
        reused = new byte[packetBytes];
        System.err.printf("floor: %d segment(s) of %d B (ours' working set over %d packets), %d address"
                        + " arguments per downcall (pac_stream_read: %s)%n", floorWorkingSet, packetBytes,
                FloorShape.PROBE_PACKETS, SEGMENT_ARGUMENTS, FloorShape.streamReadArguments());
        checkPatternsAgree();
    }

    /** Both paths must deliver the same bytes, or the comparison means nothing. */
    private void checkPatternsAgree() throws AudioException {
        byte[] fromStream;
        try (AudioPacket p = stream.next()) {
            fromStream = p.segment().toArray(ValueLayout.JAVA_BYTE);
        }
        // the probe of the working set read that many packets before this one
        floorOffset = (long) packetBytes * (FloorShape.PROBE_WARMUP + FloorShape.PROBE_PACKETS);
        byte[] fromFloor = fillFloor().toArray(ValueLayout.JAVA_BYTE);
        if (!java.util.Arrays.equals(fromStream, fromFloor)) {
            throw new IllegalStateException("the stream's packet and pac_pattern_fill differ");
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
        int rc = PacShim.pac_context_open(arena.allocateFrom("tone"), MemorySegment.NULL, out, MemorySegment.NULL);
        if (rc != PacShim.PAC_OK()) {
            throw new AudioException(AudioException.Kind.INTERNAL, "pac_context_open returned " + rc);
        }
        MemorySegment toneContext = out.get(ValueLayout.ADDRESS, 0);
        MemorySegment params = pac_stream_params.allocate(arena);
        pac_stream_params.target(params, PacShim.PAC_TARGET_DEVICE());
        pac_stream_params.device_id(params, arena.allocateFrom("pattern?paced=false"));
        pac_stream_params.format(params, format);
        pac_stream_params.rate(params, config.sampleRate());
        pac_stream_params.channels(params, config.channels());
        pac_stream_params.packet_frames(params, config.packetFrames());
        pac_stream_params.buffer_ms(params, (int) config.bufferDuration().toMillis());
        rc = PacShim.pac_stream_open(toneContext, params, out, MemorySegment.NULL);
        PacShim.pac_context_close(toneContext); // the stream does not need it
        if (rc != PacShim.PAC_OK()) {
            throw new AudioException(AudioException.Kind.INTERNAL, "pac_stream_open returned " + rc);
        }
        return out.get(ValueLayout.ADDRESS, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        capture.close();
        shimStream.free();
        floorPool.close();
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
        int rc = shimStream.read(shimSegment, 1000);
        if (rc != 0) {
            throw new IllegalStateException("pac_stream_read returned " + rc);
        }
        return shimSegment.get(ValueLayout.JAVA_BYTE, packetBytes - 1);
    }

    @Benchmark
    public byte floor() {
        return fillFloor().get(ValueLayout.JAVA_BYTE, packetBytes - 1);
    }

    @Benchmark
    public byte copyNewArray(Blackhole bh) {
        MemorySegment filled = fillFloor();
        byte[] copy = new byte[packetBytes];
        MemorySegment.copy(filled, ValueLayout.JAVA_BYTE, 0, copy, 0, packetBytes);
        bh.consume(copy);
        return copy[packetBytes - 1];
    }

    @Benchmark
    public byte copyReusedArrayByteBuffer() {
        MemorySegment filled = fillFloor();
        MemorySegment.copy(filled, ValueLayout.JAVA_BYTE, 0, reused, 0, packetBytes);
        ByteBuffer view = ByteBuffer.wrap(reused, 0, packetBytes).order(ByteOrder.LITTLE_ENDIAN);
        return view.get(packetBytes - 1);
    }

    /** One floor downcall into the next segment of the working set; returns that segment. */
    private MemorySegment fillFloor() {
        MemorySegment dst = floorSegments[floorNext];
        floorNext = floorNext + 1 == floorSegments.length ? 0 : floorNext + 1;
        int rc;
        try {
            rc = SEGMENT_ARGUMENTS == 3
                    ? (int) FLOOR_3.invokeExact(dst, (long) packetBytes, floorOffset, floorErrorLike, floorInfoLike)
                    : (int) FLOOR_4.invokeExact(dst, (long) packetBytes, floorOffset, floorErrorLike, floorHandleLike,
                            floorInfoLike);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (rc != 0) {
            throw new IllegalStateException("pac_pattern_fill returned " + rc);
        }
        floorOffset += packetBytes;
        return dst;
    }
}
