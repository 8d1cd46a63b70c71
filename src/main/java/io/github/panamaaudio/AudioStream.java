package io.github.panamaaudio;

import io.github.panamaaudio.internal.NativeStream;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.lang.ref.Reference;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An open capture stream: {@link #next()} returns the next packet of audio, copied
 * once by the C shim into a segment of this stream's pool.
 *
 * <p>Thread-safety: every method may be called from any thread. Reads are
 * serialized (one thread copies a packet at a time; others wait their turn).
 * {@link #close()} from any thread wakes a blocked read at once (the shim's
 * interrupt is immediate; the tests measure the whole close-vs-blocked-read race
 * under 100 ms), which then throws {@link AudioException.Kind#CLOSED}.
 *
 * <p>Ownership: this object owns the shim stream and the pool. {@code close()}
 * always completes: it wakes the reader, waits for it to leave the shim, frees
 * the shim stream, and frees the pool's memory — at once, or, if an I/O call of
 * another thread is still using a packet's segment, as soon as that call returns
 * (never under it, never leaked). A stream that is garbage-collected without
 * {@code close()} is closed then, with one WARNING naming it, and counted in
 * {@link AudioCapture#reclaimedStreams()}.
 *
 * <p>Steady state: when each packet is closed before the pool runs dry, a read
 * allocates nothing — the packet object is pooled with its segment, and the
 * packet's metadata is copied from a per-stream C struct.
 */
public final class AudioStream implements AutoCloseable {

    /**
     * System property, read when a stream opens: how packets garbage-collected
     * without {@link AudioPacket#close()} are reported. Either way their segments
     * are reclaimed and counted in {@link PoolStats#leaks()}.
     * <ul>
     *   <li>{@code count} (the default, and any other value): one WARNING per stream,
     *       at its first leak, without a site; costs nothing per packet.</li>
     *   <li>{@code trace}: records the stack of every {@code next()}/{@code poll()}
     *       that returns a packet (one stack-trace allocation per packet) and logs one
     *       WARNING line per distinct acquisition site naming it, e.g.
     *       {@code acquired at com.example.Recorder.run(Recorder.java:42)}.</li>
     * </ul>
     */
    public static final String LEAK_DETECTION_PROPERTY = "panamaaudio.leakDetection";

    private final StreamCore core;
    /** This handle's registration with the Cleaner; cleaned (deregistered) by close(). */
    private Cleaner.Cleanable watch;

    AudioStream(StreamCore core) {
        this.core = core;
    }

    void watch(Cleaner.Cleanable watch) {
        this.watch = watch;
    }

    StreamCore core() {
        return core;
    }

    /** {@return the configuration this stream was opened with} */
    public StreamConfig config() {
        return core.config;
    }

    /** {@return the backend that serves this stream ("pulse", "tone")} */
    public String backend() {
        return core.nativeStream.backend();
    }

    /**
     * Blocks until the next packet is captured and returns it; close it when done.
     * Allocates nothing in steady state.
     *
     * <p>The returned object may be one that an earlier {@code next()} returned and
     * that was closed since (packet objects are pooled): see {@link AudioPacket} for
     * what an old reference may and may not do.
     *
     * @return the next packet, open; the caller owns it until it closes it
     * @throws AudioException {@code CLOSED} if the stream is or gets closed,
     *                        {@code DEVICE_LOST} or {@code BACKEND_DISCONNECTED} if capture broke
     */
    public AudioPacket next() throws AudioException {
        try {
            return core.next();
        } finally {
            Reference.reachabilityFence(this); // a blocked reader keeps its stream from being reclaimed
        }
    }

    /**
     * Waits up to {@code timeout} for the next packet; empty on timeout, with
     * nothing lost (a packet is never partially consumed). Returns within
     * {@code timeout} plus scheduling delay, also when it first has to wait for a
     * packet to be closed.
     *
     * @param timeout the longest to wait; zero or negative: do not wait
     * @return the next packet (open, as {@link #next()} returns it), or empty on timeout
     * @throws AudioException as {@link #next()}
     */
    public Optional<AudioPacket> next(Duration timeout) throws AudioException {
        Objects.requireNonNull(timeout, "timeout");
        return Optional.ofNullable(poll(saturatedNanos(timeout), TimeUnit.NANOSECONDS));
    }

    /**
     * Like {@link #next(Duration)} without the {@code Optional}: returns {@code null}
     * on timeout, and allocates nothing in steady state.
     *
     * @param timeout the longest to wait, in {@code unit}; zero or negative: do not wait
     * @param unit    the unit of {@code timeout}
     * @return the next packet (open, as {@link #next()} returns it), or {@code null} on timeout
     * @throws AudioException as {@link #next()}
     */
    public AudioPacket poll(long timeout, TimeUnit unit) throws AudioException {
        Objects.requireNonNull(unit, "unit");
        try {
            return core.poll(unit.toNanos(Math.max(0, timeout)));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Copies the next packet straight from the backend's buffer into memory the caller
     * owns — one copy, no pool segment, nothing to close — and fills {@code into} with
     * its metadata. Blocks like {@link #next()}; allocates nothing.
     *
     * @param dst  off-heap, writable, alive memory of at least {@link StreamConfig#packetBytes()}
     *             bytes, accessible by this thread; the packet is written from offset 0
     * @param into the caller's holder for the metadata
     * @return {@code into}
     * @throws IllegalArgumentException naming what is wrong with {@code dst}, before anything is read
     * @throws AudioException as {@link #next()}
     */
    public PacketInfo read(MemorySegment dst, PacketInfo into) throws AudioException {
        checkDestination(dst, into);
        try {
            core.readInto(dst, into, 0L, false);
            return into;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Like {@link #read(MemorySegment, PacketInfo)}, waiting at most {@code timeout}.
     *
     * @param dst     as for {@link #read(MemorySegment, PacketInfo)}
     * @param into    the caller's holder for the metadata; left unchanged on timeout
     * @param timeout the longest to wait; zero or negative: do not wait
     * @return whether a packet was read; {@code false} on timeout, with nothing consumed
     * @throws IllegalArgumentException naming what is wrong with {@code dst}, before anything is read
     * @throws AudioException as {@link #next()}
     */
    public boolean read(MemorySegment dst, PacketInfo into, Duration timeout) throws AudioException {
        Objects.requireNonNull(timeout, "timeout");
        checkDestination(dst, into);
        try {
            return core.readInto(dst, into, System.nanoTime() + Math.max(0, saturatedNanos(timeout)), true);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Copies the next packet into a direct buffer at its position, which advances by
     * the packet's bytes; otherwise as {@link #read(MemorySegment, PacketInfo)}.
     *
     * @param dst  a direct, writable buffer with at least {@link StreamConfig#packetBytes()} bytes remaining
     * @param into the caller's holder for the metadata
     * @return {@code into}
     * @throws IllegalArgumentException naming what is wrong with {@code dst}, before anything is read
     * @throws AudioException as {@link #next()}
     */
    public PacketInfo read(ByteBuffer dst, PacketInfo into) throws AudioException {
        Objects.requireNonNull(dst, "dst");
        if (!dst.isDirect()) {
            throw new IllegalArgumentException("dst is a heap buffer; the shim writes only into direct buffers"
                    + " (ByteBuffer.allocateDirect, or a MemorySegment's asByteBuffer())");
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        int need = core.config.packetBytes();
        if (dst.remaining() < need) {
            throw new IllegalArgumentException("dst has " + dst.remaining() + " bytes remaining; a packet needs "
                    + need);
        }
        read(segmentOf(dst), into);
        dst.position(dst.position() + (int) into.bytes());
        return into;
    }

    /** The last buffer read into at position 0 and its segment, reused so that such reads allocate nothing. */
    private record BufferView(ByteBuffer buffer, MemorySegment segment) {
    }

    private volatile BufferView lastBufferView;

    private MemorySegment segmentOf(ByteBuffer dst) {
        if (dst.position() != 0) {
            return MemorySegment.ofBuffer(dst);
        }
        BufferView v = lastBufferView;
        if (v == null || v.buffer() != dst || v.segment().byteSize() != dst.limit()) {
            v = new BufferView(dst, MemorySegment.ofBuffer(dst));
            lastBufferView = v;
        }
        return v.segment();
    }

    private void checkDestination(MemorySegment dst, PacketInfo into) {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(into, "into");
        if (!dst.isNative()) {
            throw new IllegalArgumentException("dst is a heap segment; the shim writes only into off-heap memory"
                    + " (an Arena's allocate)");
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        if (!dst.scope().isAlive()) {
            throw new IllegalArgumentException("dst's arena is closed");
        }
        if (!dst.isAccessibleBy(Thread.currentThread())) {
            throw new IllegalArgumentException("dst is confined to another thread's arena");
        }
        long need = core.config.packetBytes();
        if (dst.byteSize() < need) {
            throw new IllegalArgumentException("dst has " + dst.byteSize() + " bytes; a packet needs " + need);
        }
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return d.isNegative() ? 0 : Long.MAX_VALUE;
        }
    }

    /** {@return a snapshot of this stream's pool counters} */
    public PoolStats poolStats() {
        return core.pool.stats();
    }

    /** {@return the packets delivered so far, by {@code next()}, {@code poll()} and {@code read()}} */
    public long packets() {
        return core.packets();
    }

    /** {@return the frames delivered so far} (Packets times {@link StreamConfig#packetFrames()}.) */
    public long frames() {
        return packets() * core.config.packetFrames();
    }

    /** {@return the bytes delivered so far} (Packets times {@link StreamConfig#packetBytes()}.) */
    public long bytes() {
        return packets() * core.config.packetBytes();
    }

    /**
     * {@return the packets so far that followed lost audio (overruns or holes)} A
     * packet flagged {@link AudioPacket#isRouteChanged()} or {@link AudioPacket#isResumed()}
     * is not counted: a re-attach or a resume loses no audio.
     */
    public long overruns() {
        return core.overruns();
    }

    /**
     * The latency the backend reports for this stream now, from the capture of a
     * frame to its arrival at the read position: signed, since a loopback may report
     * a negative one (a monitor's samples are delivered before they reach the output
     * device). Asked on each call, off the packet path. Empty when the backend cannot
     * tell (no timing information yet) or the stream is closed.
     *
     * @return the latency now, possibly negative, or empty if unknown
     */
    public Optional<Duration> latency() {
        long ns = core.latencyNanos();
        return ns == NativeStream.LATENCY_UNKNOWN ? Optional.empty() : Optional.of(Duration.ofNanos(ns));
    }

    /**
     * Pauses capture on the server (PulseAudio: the stream is corked): no data and no
     * CPU while paused; a blocked {@code next()} keeps waiting. Idempotent; any thread.
     *
     * The tone backend stops its real-time clock instead.
     *
     * @throws AudioException {@code CLOSED} if the stream is closed, or the backend's
     *                        failure (e.g. {@code DEVICE_LOST}, {@code BACKEND_DISCONNECTED})
     */
    public void pause() throws AudioException {
        core.pause(true);
    }

    /**
     * Resumes after {@link #pause()}; the first packet after it is flagged
     * {@link AudioPacket#isDiscontinuity()} (a pause's gap is not counted in
     * {@link #overruns()}). Idempotent; any thread.
     *
     * @throws AudioException {@code CLOSED} if the stream is closed, or the backend's failure
     */
    public void resume() throws AudioException {
        core.pause(false);
    }

    /** {@return whether the stream is paused} */
    public boolean isPaused() {
        return core.isPaused();
    }

    /** {@return whether {@link #close()} has been called} */
    public boolean isClosed() {
        return core.isClosing();
    }

    /**
     * Whether the pool's memory has been freed: after {@link #close()}, at once, or as
     * soon as no I/O call uses a segment of it any more.
     *
     * @return {@code true} once the memory is freed
     */
    public boolean isMemoryFreed() {
        return core.pool.isMemoryFreed();
    }

    /**
     * Closes the stream: wakes any blocked read (which throws {@code CLOSED}),
     * waits until no thread is in the C shim, frees the shim stream and then the
     * pool's memory (deferred while an I/O call uses a segment; see the class
     * comment). Packets still open become invalid (reading them throws
     * {@link IllegalStateException}; closing them is harmless). Idempotent; never
     * throws.
     */
    @Override
    public void close() {
        core.close();
        Cleaner.Cleanable w = watch;
        if (w != null) {
            w.clean(); // deregisters: the core is closed, so the action does nothing
        }
    }

    @Override
    public String toString() {
        return "AudioStream[" + core.config.name() + ", " + backend() + ", packets=" + packets()
                + (isClosed() ? ", closed]" : "]");
    }
}
