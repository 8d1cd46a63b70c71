package io.github.panamaaudio;

import io.github.panamaaudio.pool.SegmentPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One packet of captured audio: {@link #segment()} holds exactly the captured
 * bytes, interleaved in the stream's {@link #format()}, in off-heap memory that the
 * shim wrote once and that belongs to the stream's pool.
 *
 * <p>Close every packet ({@code try (AudioPacket p = stream.next()) { … }}): that
 * returns its segment to the pool. A second {@code close()} is a no-op. Packet
 * objects are pooled with their segments (that is what makes the steady state
 * allocate nothing), so after {@code close()} the object may come back from a later
 * {@code next()} carrying other audio: do not keep a reference past close. With
 * {@link StreamConfig#checked()} on, reading a closed packet's segment throws
 * {@link IllegalStateException} instead. A packet dropped without close is found by
 * the garbage collector and its segment reclaimed (counted in
 * {@link PoolStats#leaks()}), later than a close would have; the system property
 * {@value AudioStream#LEAK_DETECTION_PROPERTY}{@code =trace} logs where it was acquired.
 *
 * <p>Thread-safety: a packet has one owner at a time. It may be read and closed by
 * a thread other than the one that called {@code next()}, provided the hand-over is
 * safely published (e.g. through a concurrent queue). Concurrent {@code close()}
 * calls are safe: exactly one returns the segment.
 */
public final class AudioPacket implements AutoCloseable {

    /** Flag: audio before this packet was lost (overrun, or a hole in the server's stream). */
    public static final int FLAG_DISCONTINUITY = 1;
    /** Flag: every sample of this packet is zero. */
    public static final int FLAG_SILENT = 2;

    private static final int FREE = 0;
    private static final int LEASED = 1;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(AudioPacket.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final AudioStream stream;
    private final SegmentPool.Slot slot;
    /** Read-only view of exactly one packet's bytes. */
    private final MemorySegment view;

    /** FREE or LEASED, switched by CAS. */
    private volatile int state;
    private long sequence;
    private long timestampNanos;
    private long position;
    private int frames;
    private int flags;
    /**
     * Checked mode: each lease gets its own packet object and arena, and the view is
     * scoped to that arena, which close() closes; reading it afterwards throws.
     */
    private final boolean checked;
    private Arena leaseArena;
    private MemorySegment leaseView;

    AudioPacket(AudioStream stream, SegmentPool.Slot slot, long packetBytes, boolean checked) {
        this.stream = stream;
        this.slot = slot;
        this.view = slot.segment().asSlice(0, packetBytes).asReadOnly();
        this.checked = checked;
    }

    /** Called by the reading stream, which owns the packet until it returns it. */
    void lease(long sequence, long timestampNanos, long position, int frames, int flags) {
        this.sequence = sequence;
        this.timestampNanos = timestampNanos;
        this.position = position;
        this.frames = frames;
        this.flags = flags;
        if (checked) {
            leaseArena = Arena.ofShared();
            leaseView = view.reinterpret(leaseArena, null);
        }
        leaseFlag.open = true;
        STATE.setRelease(this, LEASED);
    }

    SegmentPool.Slot slot() {
        return slot;
    }

    /**
     * Whether the current lease is open, shared with the leak watch (which must not
     * reference the packet itself). Written by lease() and close(); read by the
     * Cleaner thread (volatile).
     */
    static final class LeaseFlag {
        /**
         * Written with release stores by lease() and close() (no fence per packet);
         * read by the Cleaner thread only after the packet became unreachable, which
         * the garbage collector orders after every write the reader made.
         */
        boolean open;
        /**
         * Where the current lease was handed out, at leak detection level "trace"
         * (see {@link AudioStream#LEAK_DETECTION_PROPERTY}), else null. Plain: written
         * before the volatile write of {@link #open}, read after reading it.
         */
        Throwable acquiredAt;
    }

    private final LeaseFlag leaseFlag = new LeaseFlag();

    LeaseFlag leaseFlag() {
        return leaseFlag;
    }

    private java.lang.ref.Cleaner.Cleanable cleanable;

    void attachCleanable(java.lang.ref.Cleaner.Cleanable cleanable) {
        this.cleanable = cleanable;
    }

    java.lang.ref.Cleaner.Cleanable cleanable() {
        return cleanable;
    }

    /**
     * The captured bytes: exactly {@link #frames()} × frame size, read-only. Valid
     * until {@link #close()} (and never after the stream closed).
     */
    public MemorySegment segment() {
        return checked ? leaseView : view;
    }

    /** Frames (sample instants, all channels) in this packet. */
    public int frames() {
        return frames;
    }

    /** Bytes in this packet. */
    public long byteSize() {
        return view.byteSize();
    }

    boolean isChecked() {
        return checked;
    }

    /** The sample format of {@link #segment()}. */
    public SampleFormat format() {
        return stream.config().format();
    }

    /** Channels interleaved in {@link #segment()}. */
    public int channels() {
        return stream.config().channels();
    }

    /** 0 for the stream's first packet, then +1 per packet, without gaps. */
    public long sequence() {
        return sequence;
    }

    /**
     * When the packet's first frame was captured, on the {@link System#nanoTime()}
     * clock (CLOCK_MONOTONIC), as well as the server's latency report allows.
     */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** Frames the stream delivered before this packet. */
    public long position() {
        return position;
    }

    /** {@link #FLAG_DISCONTINUITY} and {@link #FLAG_SILENT} bits. */
    public int flags() {
        return flags;
    }

    /** Whether audio before this packet was lost (an overrun or a hole). */
    public boolean isDiscontinuity() {
        return (flags & FLAG_DISCONTINUITY) != 0;
    }

    /** Whether every sample of this packet is zero. */
    public boolean isSilent() {
        return (flags & FLAG_SILENT) != 0;
    }

    /** Whether this packet is still open (not yet closed). */
    public boolean isOpen() {
        return state == LEASED;
    }

    /** Returns the segment to the pool. Idempotent; safe after the stream closed. */
    @Override
    public void close() {
        if (!STATE.compareAndSet(this, LEASED, FREE)) {
            return;
        }
        leaseFlag.open = false;
        if (checked) {
            leaseArena.close(); // leaseView now throws IllegalStateException on access
        }
        stream.recycle(this);
    }

    @Override
    public String toString() {
        return "AudioPacket[seq=" + sequence + ", frames=" + frames + ", flags=" + flags
                + (isOpen() ? "" : ", closed") + "]";
    }
}
