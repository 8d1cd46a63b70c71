package io.github.panamaaudio;

import io.github.panamaaudio.internal.NativeStream;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_packet_info;
import io.github.panamaaudio.pool.SegmentPool;

import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * An open capture stream: {@link #next()} returns the next packet of audio, copied
 * once by the C shim into a segment of this stream's pool.
 *
 * <p>Thread-safety: every method may be called from any thread. Reads are
 * serialized (one thread copies a packet at a time; others wait their turn).
 * {@link #close()} from any thread wakes a blocked read within 100 ms, which then
 * throws {@link AudioException.Kind#CLOSED}; close is idempotent and waits until no
 * thread is inside the C read before it frees the shim stream and the pool.
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

    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio");
    private static final Cleaner CLEANER = Cleaner.create();
    /** Longest a single wait in C lasts inside {@link #next()}; close interrupts it anyway. */
    private static final int NATIVE_WAIT_SLICE_MS = 1000;
    /** Longest a pool wait lasts before re-checking for close. */
    private static final long POOL_WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final StreamConfig config;
    private final NativeStream nativeStream;
    private final SegmentPool pool;
    private final Consumer<AudioStream> onClose;
    /** pac_packet_info the shim fills on each read; guarded by readLock. */
    private final MemorySegment info;
    private final ReentrantLock readLock = new ReentrantLock();
    /** Threads inside latency()'s call into the C shim; close() waits for them. Readers are covered by readLock. */
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger closeState = new AtomicInteger(); // 0 open, 1 closing, 2 closed
    private volatile boolean closing;
    /** Cleanables of pooled packet objects, cleaned on close; guarded by readLock. */
    private final List<Cleaner.Cleanable> cleanables = new ArrayList<>();

    /** A slot acquired for a read that timed out, kept for the next read; guarded by readLock. */
    private SegmentPool.Slot spare;
    private long sequence;               // guarded by readLock
    /*
     * Counters with one writer, the readLock holder, published with release stores
     * (plain moves on x86, no fence per packet) and read with acquire loads by any
     * thread (metrics). Accessed only through the VarHandles below. Frames and bytes
     * are derived: every packet is exactly one configured packet.
     */
    private long packets;
    private long overruns;
    private static final VarHandle PACKETS;
    private static final VarHandle OVERRUNS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PACKETS = l.findVarHandle(AudioStream.class, "packets", long.class);
            OVERRUNS = l.findVarHandle(AudioStream.class, "overruns", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
    private volatile boolean leakWarned;
    /** Leak detection level "trace" (see {@link #LEAK_DETECTION_PROPERTY}). */
    private final boolean traceLeaks = "trace".equalsIgnoreCase(System.getProperty(LEAK_DETECTION_PROPERTY, "").strip());
    /** Acquisition sites already reported at level "trace"; written by the Cleaner thread. */
    private final Set<String> reportedLeakSites = ConcurrentHashMap.newKeySet();

    AudioStream(StreamConfig config, NativeStream nativeStream, Consumer<AudioStream> onClose) {
        this.config = config;
        this.nativeStream = nativeStream;
        this.onClose = onClose;
        SegmentPool p;
        try {
            p = SegmentPool.create(config.packetBytes(), config.initialSegments(), config.maxSegments());
        } catch (RuntimeException | Error e) {
            nativeStream.free();
            throw e;
        }
        this.pool = p;
        this.info = nativeStream.info();
    }

    /** The configuration this stream was opened with. */
    public StreamConfig config() {
        return config;
    }

    /** The backend that serves this stream ("pulse", "tone"). */
    public String backend() {
        return nativeStream.backend();
    }

    /**
     * Blocks until the next packet is captured and returns it; close it when done.
     * Allocates nothing in steady state.
     *
     * @throws AudioException {@code CLOSED} if the stream is or gets closed,
     *                        {@code DEVICE_LOST} or {@code SERVER_DISCONNECTED} if capture broke
     */
    public AudioPacket next() throws AudioException {
        for (;;) {
            AudioPacket p = read(NATIVE_WAIT_SLICE_MS);
            if (p != null) {
                return p;
            }
        }
    }

    /**
     * Waits up to {@code timeout} for the next packet; empty on timeout, with
     * nothing lost (a packet is never partially consumed).
     */
    public Optional<AudioPacket> next(Duration timeout) throws AudioException {
        Objects.requireNonNull(timeout, "timeout");
        return Optional.ofNullable(poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    /**
     * Like {@link #next(Duration)} without the {@code Optional}: returns {@code null}
     * on timeout, and allocates nothing in steady state.
     */
    public AudioPacket poll(long timeout, TimeUnit unit) throws AudioException {
        long deadline = System.nanoTime() + unit.toNanos(Math.max(0, timeout));
        for (;;) {
            long remaining = deadline - System.nanoTime();
            int slice = (int) Math.min(NATIVE_WAIT_SLICE_MS, Math.max(0, TimeUnit.NANOSECONDS.toMillis(remaining)));
            AudioPacket p = read(slice);
            if (p != null || deadline - System.nanoTime() <= 0) {
                return p;
            }
        }
    }

    private AudioPacket read(int timeoutMillis) throws AudioException {
        readLock.lock();
        try {
            if (closing) {
                throw closed();
            }
            SegmentPool.Slot slot = spare;
            spare = null;
            if (slot == null) {
                slot = acquireSlot(timeoutMillis);
                if (slot == null) {
                    return null;
                }
            }
            int rc = nativeStream.read(slot.segment(), timeoutMillis);
            if (rc != PacShim.PAC_OK()) {
                if (rc == PacShim.PAC_E_TIMEOUT()) {
                    spare = slot;
                    return null;
                }
                pool.release(slot);
                if (closing || rc == PacShim.PAC_E_CLOSED()) {
                    throw closed();
                }
                throw nativeStream.failure("reading " + config.name(), rc);
            }
            return lease(slot);
        } finally {
            readLock.unlock();
        }
    }

    private SegmentPool.Slot acquireSlot(int timeoutMillis) throws AudioException {
        try {
            SegmentPool.Slot slot = pool.tryAcquire(); // the steady state: no clock read, no wait
            if (slot != null) {
                return slot;
            }
            // at maxSegments: wait for a close(), in slices, to notice this stream closing
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            for (;;) {
                long remaining = deadline - System.nanoTime();
                slot = pool.acquire(Math.max(0, Math.min(remaining, POOL_WAIT_SLICE_NANOS)), TimeUnit.NANOSECONDS);
                if (slot != null) {
                    return slot;
                }
                if (closing) {
                    throw closed();
                }
                if (deadline - System.nanoTime() <= 0) {
                    return null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AudioException(AudioException.Kind.CLOSED, "interrupted while waiting for a free segment", e);
        } catch (IllegalStateException e) {
            throw closed();
        }
    }

    private AudioPacket lease(SegmentPool.Slot slot) {
        AudioPacket packet;
        if (config.checked()) {
            packet = newPacket(slot, true);
        } else {
            packet = (AudioPacket) slot.takeAttachment();
            if (packet == null) {
                packet = newPacket(slot, false);
            }
        }
        int flags = pac_packet_info.flags(info);
        packet.lease(sequence++, pac_packet_info.timestamp_ns(info), pac_packet_info.position(info),
                (int) pac_packet_info.frames(info), flags,
                traceLeaks ? new Throwable("packet acquired here") : null);
        PACKETS.setRelease(this, packets + 1);
        if ((flags & AudioPacket.FLAG_DISCONTINUITY) != 0) {
            OVERRUNS.setRelease(this, overruns + 1);
        }
        return packet;
    }

    private AudioPacket newPacket(SegmentPool.Slot slot, boolean checked) {
        AudioPacket packet = new AudioPacket(this, slot, checked);
        Cleaner.Cleanable cleanable = CLEANER.register(packet, new LeakReclaimer(this, pool, slot, packet.lease()));
        packet.attachCleanable(cleanable);
        if (!checked) {
            cleanables.add(cleanable);
        }
        return packet;
    }

    /**
     * Called by {@link AudioPacket#close()} exactly once per lease. Safe after this
     * stream closed: the pool then only ends the lease.
     */
    void release(SegmentPool.Slot slot) {
        pool.release(slot);
    }

    /**
     * Runs when a packet object became unreachable. For a packet dropped while
     * open (never closed), it returns the segment to the pool and counts a leak.
     * Holds the slot, never the packet.
     */
    private record LeakReclaimer(AudioStream stream, SegmentPool pool, SegmentPool.Slot slot,
                                 AudioPacket.Lease lease) implements Runnable {
        @Override
        public void run() {
            // Also runs when close() cleans the watches of packets still open: those
            // are not leaks (yet), so nothing is counted once the pool is closed.
            if (!lease.isOpen() || pool.isClosed()) {
                return;
            }
            pool.reclaimLeaked(slot);
            Throwable acquiredAt = lease.acquiredAt;
            if (acquiredAt != null) {
                lease.acquiredAt = null;
                String site = acquisitionSite(acquiredAt);
                if (stream.reportedLeakSites.add(site)) {
                    LOG.log(Level.WARNING, "stream {0}: a packet acquired at {1} was garbage-collected without"
                            + " close(); its segment was reclaimed. Close every AudioPacket (try-with-resources).",
                            stream.config.name(), site);
                }
            } else if (!stream.leakWarned) {
                stream.leakWarned = true;
                LOG.log(Level.WARNING, "stream {0}: a packet was garbage-collected without close(); its segment was"
                        + " reclaimed. Close every AudioPacket (try-with-resources).", stream.config.name());
            }
        }
    }

    /** The first frames of {@code trace} outside this class: the caller of next()/poll() and its callers. */
    private static String acquisitionSite(Throwable trace) {
        StackTraceElement[] frames = trace.getStackTrace();
        int first = 0;
        while (first < frames.length && frames[first].getClassName().equals(AudioStream.class.getName())) {
            first++;
        }
        StringBuilder site = new StringBuilder();
        for (int i = first; i < Math.min(frames.length, first + 3); i++) {
            StackTraceElement e = frames[i];
            site.append(i == first ? "" : " <- ").append(e.getClassName()).append('.').append(e.getMethodName())
                    .append('(').append(e.getFileName()).append(':').append(e.getLineNumber()).append(')');
        }
        return site.isEmpty() ? "an unknown site" : site.toString();
    }

    /** A snapshot of this stream's pool counters. */
    public PoolStats poolStats() {
        return pool.stats();
    }

    /** Packets delivered so far. */
    public long packets() {
        return (long) PACKETS.getAcquire(this);
    }

    /** Frames delivered so far. */
    public long frames() {
        return packets() * config.packetFrames();
    }

    /** Bytes delivered so far. */
    public long bytes() {
        return packets() * config.packetBytes();
    }

    /** Packets that followed lost audio (overruns or holes). */
    public long overruns() {
        return (long) OVERRUNS.getAcquire(this);
    }

    /**
     * The latency the backend reports for this stream now, from the capture of a
     * frame to its arrival at the read position: signed, since a loopback may report
     * a negative one (a monitor's samples are delivered before they reach the output
     * device). Asked on each call, off the packet path. Empty when the backend cannot
     * tell (no timing information yet) or the stream is closed.
     */
    public Optional<Duration> latency() {
        active.incrementAndGet();
        try {
            if (closing) {
                return Optional.empty();
            }
            long ns = nativeStream.latencyNanos();
            return ns == NativeStream.LATENCY_UNKNOWN ? Optional.empty() : Optional.of(Duration.ofNanos(ns));
        } finally {
            active.decrementAndGet();
        }
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return closing;
    }

    /**
     * Closes the stream: wakes any blocked read (which throws {@code CLOSED}),
     * waits until no thread is in the C shim, frees the shim stream and the
     * pool. Packets still open become invalid (reading them throws
     * {@link IllegalStateException}; closing them is a no-op). Idempotent.
     */
    @Override
    public void close() {
        if (!closeState.compareAndSet(0, 1)) {
            while (closeState.get() != 2) { // another thread is closing: wait for it
                LockSupport.parkNanos(100_000);
            }
            return;
        }
        closing = true;
        try {
            // A reader blocked in the shim holds readLock: the interrupt (sticky in C)
            // wakes it, it releases the lock, and every later reader sees `closing`.
            nativeStream.interrupt();
            readLock.lock();
            try {
                while (active.get() != 0) { // latency() callers inside the shim
                    LockSupport.parkNanos(50_000);
                }
                nativeStream.free();
                if (spare != null) {
                    pool.release(spare);
                    spare = null;
                }
                pool.close();
                for (Cleaner.Cleanable c : cleanables) {
                    c.clean();
                }
                cleanables.clear();
            } finally {
                readLock.unlock();
            }
        } finally {
            closeState.set(2);
            onClose.accept(this);
        }
    }

    private AudioException closed() {
        return new AudioException(AudioException.Kind.CLOSED, "stream " + config.name() + " is closed");
    }

    @Override
    public String toString() {
        return "AudioStream[" + config.name() + ", " + backend() + ", packets=" + packets()
                + (closing ? ", closed]" : "]");
    }
}
