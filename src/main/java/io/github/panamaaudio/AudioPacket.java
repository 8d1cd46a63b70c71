package io.github.panamaaudio;

import io.github.panamaaudio.pool.SegmentPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;

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


    private final AudioStream stream;
    private final SegmentPool.Slot slot;
    /** Read-only view of exactly one packet's bytes. */
    private final MemorySegment view;

    /** The current lease's state, shared with the stream's leak watch. */
    private final Lease lease = new Lease();
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

    AudioPacket(AudioStream stream, SegmentPool.Slot slot, boolean checked) {
        this.stream = stream;
        this.slot = slot;
        this.view = slot.segment().asReadOnly(); // the pool's segments are exactly one packet
        this.checked = checked;
    }

    /** Called by the reading stream, which owns the packet until it returns it. */
    void lease(long sequence, long timestampNanos, long position, int frames, int flags, Throwable acquiredAt) {
        this.sequence = sequence;
        this.timestampNanos = timestampNanos;
        this.position = position;
        this.frames = frames;
        this.flags = flags;
        if (checked) {
            leaseArena = Arena.ofShared();
            leaseView = view.reinterpret(leaseArena, null);
        }
        lease.acquiredAt = acquiredAt;
        Lease.STATE.setRelease(lease, Lease.OPEN);
    }

    /**
     * The state of the packet's current lease. It lives in its own object so that the
     * leak watch (a Cleaner action, which must not reference the packet) can tell a
     * packet dropped while open from one that was closed. OPEN/CLOSED switch by CAS:
     * a release store in lease(), a CAS in close(), volatile reads elsewhere.
     */
    static final class Lease {
        static final int CLOSED = 0;
        static final int OPEN = 1;
        static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Lease.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private volatile int state;
        /**
         * Where the lease was handed out, at leak detection level "trace" (see
         * {@link AudioStream#LEAK_DETECTION_PROPERTY}), else null. Plain: written
         * before the release store of the state, read after a volatile read of it.
         */
        Throwable acquiredAt;

        boolean isOpen() {
            return state == OPEN;
        }
    }

    Lease lease() {
        return lease;
    }

    /** The leak watch's registration; set once by the stream right after construction. */
    private Cleaner.Cleanable cleanable;

    void attachCleanable(Cleaner.Cleanable cleanable) {
        this.cleanable = cleanable;
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
        return lease.isOpen();
    }

    /** Returns the segment to the pool. Idempotent; safe after the stream closed. */
    @Override
    public void close() {
        if (!Lease.STATE.compareAndSet(lease, Lease.OPEN, Lease.CLOSED)) {
            return;
        }
        if (checked) {
            leaseArena.close(); // leaseView now throws IllegalStateException on access
            cleanable.clean();  // the lease is closed: unregisters the watch, reclaims nothing
        } else {
            slot.putAttachment(this); // pooled with its segment for the next lease
        }
        stream.release(slot);
    }

    @Override
    public String toString() {
        return "AudioPacket[seq=" + sequence + ", frames=" + frames + ", flags=" + flags
                + (isOpen() ? "" : ", closed") + "]";
    }
}
