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
 * returns its segment to the pool.
 *
 * <h2>What a reference may do after {@code close()}</h2>
 * In the default mode packet objects are pooled with their segments (that is what
 * makes the steady state allocate nothing): after {@code close()} the same object is
 * handed out again by a later {@code next()}, carrying another packet. So, once a
 * packet is closed, a reference to it must not be used at all:
 * <ul>
 *   <li>until the object is handed out again, a second {@code close()} is a no-op and
 *       {@link #isOpen()} is {@code false}; reading its segment returns bytes that the
 *       next read may be overwriting;</li>
 *   <li>once it is handed out again, every method acts on the <em>new</em> packet: a
 *       second {@code close()} through the old reference (a {@code finally} that runs
 *       twice) ends the new owner's lease, and its samples may then be overwritten
 *       while the new owner reads them.</li>
 * </ul>
 * After the stream closed, reading a segment throws {@link IllegalStateException} (its
 * memory is freed, never read after), and {@code close()} is harmless.
 *
 * <p>{@link StreamConfig.Builder#checked(boolean) Checked mode} is the safety net that
 * finds such code: every lease is a distinct object with its own view, and each of
 * these throws {@link IllegalStateException}: a second {@code close()}; any read
 * (segment contents or metadata) after {@code close()}; any read after the stream
 * closed. It costs an arena per packet.
 *
 * <p>A packet dropped without close is found by the garbage collector and its segment
 * reclaimed (counted in {@link PoolStats#leaks()}), later than a close would have; the
 * system property {@value AudioStream#LEAK_DETECTION_PROPERTY}{@code =trace} logs where
 * it was acquired.
 *
 * <p>Thread-safety: a packet has one owner at a time. It may be read and closed by
 * a thread other than the one that called {@code next()}, provided the hand-over is
 * safely published (e.g. through a concurrent queue). Concurrent {@code close()}
 * calls of one lease are safe: exactly one returns the segment.
 */
public final class AudioPacket implements AutoCloseable {

    /** Flag: audio before this packet was lost (overrun, or a hole in the server's stream). */
    public static final int FLAG_DISCONTINUITY = 1;
    /** Flag: every sample of this packet is zero. */
    public static final int FLAG_SILENT = 2;
    /**
     * Flag: the stream follows a default device and re-attached to a new one just
     * before this packet (the default changed or went away). Always with
     * {@link #FLAG_DISCONTINUITY}. With no device to follow (no output at all), the
     * silent packets that keep the clock carry it on the first of them too.
     */
    public static final int FLAG_ROUTE_CHANGED = 4;
    /**
     * Flag: the first packet after {@link AudioStream#resume()}; what the source
     * produced while the stream was paused is not delivered. Always with
     * {@link #FLAG_DISCONTINUITY}; not lost audio (not counted in
     * {@link AudioStream#overruns()}).
     */
    public static final int FLAG_RESUMED = 8;

    private final StreamCore stream;
    private final SegmentPool.Slot slot;
    /** Read-only view of exactly one packet's bytes. */
    private final MemorySegment view;

    /** The current lease's state, shared with the packet's leak watch. */
    private final Lease lease = new Lease();
    private long sequence;
    private long timestampNanos;
    private long position;
    private int frames;
    private int flags;
    /**
     * Checked mode: each lease gets its own packet object and arena, and the view is
     * scoped to that arena, which close() closes (the stream's close closes every
     * one still open before it frees the pool's memory); reading it afterwards throws.
     */
    private final boolean checked;
    private MemorySegment leaseView;

    AudioPacket(StreamCore stream, SegmentPool.Slot slot, boolean checked) {
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
            Arena arena = Arena.ofShared();
            lease.arena = arena;
            leaseView = view.reinterpret(arena, null);
            stream.checkedLeaseOpened(lease);
        }
        lease.acquiredAt = acquiredAt;
        Lease.STATE.setRelease(lease, Lease.OPEN);
    }

    /**
     * The state of the packet's current lease. It lives in its own object so that the
     * leak watch (a Cleaner action, which must not reference the packet) can tell a
     * packet dropped while open from one that was closed. OPEN&nbsp;&rarr;&nbsp;CLOSED
     * by CAS, exactly once per lease (by close() or by the leak watch): a release store
     * in lease(), a CAS in {@link #end()}, volatile reads elsewhere.
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
        /** Checked mode: the arena of this lease's view (one lease per object); else null. */
        Arena arena;

        boolean isOpen() {
            return state == OPEN;
        }

        /** Ends the lease; {@code true} for exactly one caller per lease. */
        boolean end() {
            return STATE.compareAndSet(this, OPEN, CLOSED);
        }
    }

    Lease leaseState() {
        return lease;
    }

    /** Checked mode: throws unless the lease is open and the stream is not closed. */
    private void checkReadable() {
        if (checked && (!lease.isOpen() || stream.isClosing())) {
            throw new IllegalStateException(lease.isOpen()
                    ? "packet " + sequence + " read after its stream " + stream.config.name() + " was closed"
                    : "packet " + sequence + " read after close()");
        }
    }

    /**
     * The captured bytes: exactly {@link #frames()} × frame size, read-only. Valid
     * until {@link #close()} (and never after the stream closed).
     *
     * @return a read-only view of this packet's bytes
     * @throws IllegalStateException in checked mode, after {@code close()} or after the stream closed
     */
    public MemorySegment segment() {
        if (checked) {
            checkReadable();
            return leaseView;
        }
        return view;
    }

    /** {@return the frames (sample instants, all channels) in this packet} */
    public int frames() {
        checkReadable();
        return frames;
    }

    /** {@return the bytes in this packet} */
    public long byteSize() {
        checkReadable();
        return view.byteSize();
    }

    /** {@return the sample format of {@link #segment()}} */
    public SampleFormat format() {
        return stream.config.format();
    }

    /** {@return the channels interleaved in {@link #segment()}} */
    public int channels() {
        return stream.config.channels();
    }

    /**
     * 0 for the stream's first packet, then +1 per packet: the count of packets this
     * stream delivered before. (Lost audio shows in {@link #position()} and
     * {@link #isDiscontinuity()}, not here.)
     *
     * @return this packet's sequence number
     */
    public long sequence() {
        checkReadable();
        return sequence;
    }

    /**
     * When the packet's first frame was captured, on the {@link System#nanoTime()}
     * clock: by the input device, or, for a loopback, when it reached the output device
     * (which can lie slightly in the future). From the backend's timing information.
     *
     * @return the capture time of the first frame, in {@code System.nanoTime()} nanoseconds
     */
    public long timestampNanos() {
        checkReadable();
        return timestampNanos;
    }

    /** {@return the frames the stream delivered before this packet, as the backend counts them} */
    public long position() {
        checkReadable();
        return position;
    }

    /**
     * {@return the {@link #FLAG_DISCONTINUITY}, {@link #FLAG_SILENT}, {@link #FLAG_ROUTE_CHANGED}
     * and {@link #FLAG_RESUMED} bits}
     */
    public int flags() {
        checkReadable();
        return flags;
    }

    /** {@return whether audio before this packet was lost (an overrun or a hole)} */
    public boolean isDiscontinuity() {
        return (flags() & FLAG_DISCONTINUITY) != 0;
    }

    /**
     * Whether every sample of this packet is zero; also every packet delivered on the
     * real-time clock while the source had nothing to give (an application that is
     * silent, paused or not playing yet).
     *
     * @return whether {@link #FLAG_SILENT} is set
     */
    public boolean isSilent() {
        return (flags() & FLAG_SILENT) != 0;
    }

    /** {@return whether the stream re-attached to a new default device just before this packet} */
    public boolean isRouteChanged() {
        return (flags() & FLAG_ROUTE_CHANGED) != 0;
    }

    /** {@return whether this is the first packet after a resume} */
    public boolean isResumed() {
        return (flags() & FLAG_RESUMED) != 0;
    }

    /** {@return whether this packet is still open (not yet closed)} Never throws. */
    public boolean isOpen() {
        return lease.isOpen();
    }

    /**
     * Returns the segment to the pool. Safe after the stream closed. A second call is
     * a no-op in the default mode only until the object is handed out again (see the
     * class comment); in checked mode it throws {@link IllegalStateException}.
     *
     * @throws IllegalStateException in checked mode, on a second call
     */
    @Override
    public void close() {
        if (!lease.end()) {
            if (checked) {
                throw new IllegalStateException("packet " + sequence + " closed twice");
            }
            return;
        }
        if (!checked) {
            slot.putAttachment(this); // pooled with its segment for the next lease
        }
        stream.release(slot, lease, false);
    }

    @Override
    public String toString() {
        return "AudioPacket[seq=" + sequence + ", frames=" + frames + ", flags=" + flags
                + (isOpen() ? "" : ", closed") + "]";
    }
}
