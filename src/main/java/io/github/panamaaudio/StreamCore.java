package io.github.panamaaudio;

import io.github.panamaaudio.internal.ArenaReaper;
import io.github.panamaaudio.internal.NativeStream;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_packet_info;
import io.github.panamaaudio.internal.jfr.BackendDisconnectedEvent;
import io.github.panamaaudio.internal.jfr.LeakReclaimedEvent;
import io.github.panamaaudio.internal.jfr.OverrunEvent;
import io.github.panamaaudio.internal.jfr.RouteChangedEvent;
import io.github.panamaaudio.internal.jfr.StreamClosedEvent;
import io.github.panamaaudio.internal.jfr.StreamOpenedEvent;
import io.github.panamaaudio.pool.SegmentPool;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Everything one open stream owns — the shim stream, the pool, the read lock and the
 * counters — behind the public {@link AudioStream}, which is only its handle.
 *
 * <h2>Who references whom (so that the garbage collector can find what was dropped)</h2>
 * <pre>
 *  user ──► AudioStream ──► StreamCore ◄── AudioPacket (open or pooled in a slot)
 *                ▲               │  ▲
 *   Cleaner ─────┘ (watch)       │  └── StreamReclaimer (the AudioStream's Cleaner action)
 *                                ▼
 *                  SegmentPool ─► slots ─► pooled packets
 *  Cleaner ─► LeakReclaimer ─ ─ (weak) ─ ─► StreamCore;  slot index;  Lease
 * </pre>
 * Nothing reachable from a static root references an {@code AudioStream}, so one that
 * is dropped without {@code close()} is collected and its {@link StreamReclaimer}
 * closes the core (one WARNING, counted by the capture). A packet's leak watch holds
 * the core only weakly and never the packet, so a closed, forgotten stream is
 * collected with all its pooled packets, and each watch disappears with its packet
 * object: nothing grows with the number of packets or leaks.
 *
 * <p>Thread-safety: as documented on {@link AudioStream}; reads are serialized by
 * {@link #readLock}, which also guards the fields marked so.
 */
final class StreamCore {

    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio");
    static final Cleaner CLEANER = Cleaner.create();
    /** Longest a single wait in C lasts inside {@code next()}; close interrupts it at once anyway. */
    static final int NATIVE_WAIT_SLICE_MS = 1000;
    /** Longest a pool wait lasts before re-checking for close. */
    private static final long POOL_WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    final StreamConfig config;
    final NativeStream nativeStream;
    final SegmentPool pool;
    private final boolean checked;
    private final Runnable onClosed;
    private final Runnable onReclaimed;
    /** pac_packet_info the shim fills on each read; guarded by readLock. */
    private final MemorySegment info;
    private final ReentrantLock readLock = new ReentrantLock();
    /** Threads inside latency()'s call into the C shim; close() waits for them. Readers are covered by readLock. */
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger closeState = new AtomicInteger(); // 0 open, 1 closing, 2 closed
    private volatile boolean closing;
    private volatile boolean paused;
    /** Checked mode: the leases whose arena is not closed yet (their views die before the pool's memory). */
    private final Set<AudioPacket.Lease> openCheckedLeases;
    /** The public handle, for {@link AudioCapture#openStreams()}; weak, so that it can be collected. */
    private volatile WeakReference<AudioStream> handle = new WeakReference<>(null);

    /** A slot acquired for a read that timed out, kept for the next read; guarded by readLock. */
    private SegmentPool.Slot spare;
    private long sequence;               // guarded by readLock
    /*
     * Counters with one writer, the readLock holder, published with release stores
     * (plain moves on x86, no fence per packet) and read with acquire loads by any
     * thread (metrics). Frames and bytes are derived: every packet is one configured packet.
     */
    @SuppressWarnings("unused") private long packets;
    @SuppressWarnings("unused") private long overruns;
    private static final VarHandle PACKETS;
    private static final VarHandle OVERRUNS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PACKETS = l.findVarHandle(StreamCore.class, "packets", long.class);
            OVERRUNS = l.findVarHandle(StreamCore.class, "overruns", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile boolean leakWarned;
    /** Leak detection level "trace" (see {@link AudioStream#LEAK_DETECTION_PROPERTY}). */
    private final boolean traceLeaks = "trace".equalsIgnoreCase(
            System.getProperty(AudioStream.LEAK_DETECTION_PROPERTY, "").strip());
    /** Acquisition sites already reported at level "trace"; written by the Cleaner thread. */
    private final Set<String> reportedLeakSites = ConcurrentHashMap.newKeySet();
    /** Weak self-reference shared by the leak watches of this stream's packets. */
    private final WeakReference<StreamCore> self = new WeakReference<>(this);

    /**
     * Takes ownership of {@code nativeStream}: frees it if the pool cannot be created.
     *
     * @param onClosed    runs once, after close
     * @param onReclaimed runs when the public handle was collected without close()
     */
    StreamCore(StreamConfig config, NativeStream nativeStream, Runnable onClosed, Runnable onReclaimed) {
        this.config = config;
        this.nativeStream = nativeStream;
        this.onClosed = onClosed;
        this.onReclaimed = onReclaimed;
        this.checked = config.checked();
        this.openCheckedLeases = checked ? ConcurrentHashMap.newKeySet() : Set.of();
        try {
            this.pool = SegmentPool.create(config.packetBytes(), config.initialSegments(), config.maxSegments());
        } catch (RuntimeException | Error e) {
            nativeStream.free();
            throw e;
        }
        this.info = nativeStream.info();
        StreamOpenedEvent opened = new StreamOpenedEvent();
        if (opened.isEnabled()) {
            opened.stream = config.name();
            opened.backend = nativeStream.backend();
            opened.source = config.source().toString();
            opened.format = config.format().name();
            opened.sampleRate = config.sampleRate();
            opened.channels = config.channels();
            opened.packetBytes = config.packetBytes();
            opened.initialSegments = config.initialSegments();
            opened.maxSegments = config.maxSegments();
            opened.checked = checked;
            opened.commit();
        }
    }

    /** Makes the public handle and registers its watch: a handle dropped without close() closes the core. */
    AudioStream newHandle() {
        AudioStream stream = new AudioStream(this);
        handle = new WeakReference<>(stream);
        stream.watch(CLEANER.register(stream, new StreamReclaimer(this)));
        return stream;
    }

    /** The public handle, or null if it was collected. */
    AudioStream handle() {
        return handle.get();
    }

    boolean isClosing() {
        return closing;
    }


    // ---- reading --------------------------------------------------------------

    /** Blocks until a packet arrives (next()). */
    AudioPacket next() throws AudioException {
        for (;;) {
            AudioPacket p = read(NATIVE_WAIT_SLICE_MS, 0L, false);
            if (p != null) {
                return p;
            }
        }
    }

    /** Waits until {@code deadline} ({@code System.nanoTime()}) at most, in total. */
    AudioPacket poll(long timeoutNanos) throws AudioException {
        long deadline = System.nanoTime() + Math.max(0, timeoutNanos);
        for (;;) {
            AudioPacket p = read(0, deadline, true);
            if (p != null || deadline - System.nanoTime() <= 0) {
                return p;
            }
        }
    }

    /**
     * One attempt: a slot, then one shim read. Unbounded: the shim wait is
     * {@code sliceMillis}. Bounded: both the pool wait and the shim wait end by
     * {@code deadline}, so the whole call returns within the timeout plus a scheduling
     * delay.
     */
    private AudioPacket read(int sliceMillis, long deadline, boolean bounded) throws AudioException {
        readLock.lock();
        try {
            if (closing) {
                throw closed();
            }
            SegmentPool.Slot slot = spare;
            spare = null;
            if (slot == null) {
                slot = pool.tryAcquire(); // the steady state: no clock read, no wait
                if (slot == null) {
                    slot = awaitSlot(bounded ? deadline : System.nanoTime()
                            + TimeUnit.MILLISECONDS.toNanos(sliceMillis));
                    if (slot == null) {
                        return null;
                    }
                }
            }
            int timeoutMillis = bounded ? remainingMillis(deadline) : sliceMillis;
            int rc = nativeStream.read(slot.segment(), timeoutMillis);
            if (rc != PacShim.PAC_OK()) {
                if (rc == PacShim.PAC_E_TIMEOUT()) {
                    spare = slot;
                    return null;
                }
                pool.release(slot);
                throw readFailure(rc);
            }
            return lease(slot);
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Copies the next packet straight into {@code dst} (already validated), without a
     * pool segment; fills {@code into}. Same waits as {@link #next()} ({@code bounded}
     * false) or {@link #poll} (until {@code deadline}).
     *
     * @return false on timeout (nothing consumed)
     */
    boolean readInto(MemorySegment dst, PacketInfo into, long deadline, boolean bounded) throws AudioException {
        for (;;) {
            readLock.lock();
            try {
                if (closing) {
                    throw closed();
                }
                int timeoutMillis = bounded ? remainingMillis(deadline) : NATIVE_WAIT_SLICE_MS;
                int rc = nativeStream.read(dst, timeoutMillis);
                if (rc == PacShim.PAC_OK()) {
                    int flags = pac_packet_info.flags(info);
                    into.set(sequence++, pac_packet_info.timestamp_ns(info), pac_packet_info.position(info),
                            (int) pac_packet_info.frames(info), pac_packet_info.bytes(info), flags);
                    count(flags, into.sequence(), into.position());
                    return true;
                }
                if (rc != PacShim.PAC_E_TIMEOUT()) {
                    throw readFailure(rc);
                }
            } finally {
                readLock.unlock();
            }
            if (bounded && deadline - System.nanoTime() <= 0) {
                return false;
            }
        }
    }

    private void count(int flags, long seq, long position) {
        PACKETS.setRelease(this, (long) PACKETS.get(this) + 1);
        if ((flags & AudioPacket.FLAG_DISCONTINUITY) != 0) { // rare: the events cost nothing per packet
            if ((flags & AudioPacket.FLAG_RESUMED) != 0) { // the gap of a pause is not lost audio
                return;
            }
            if ((flags & AudioPacket.FLAG_ROUTE_CHANGED) == 0) { // a re-attach is not lost audio
                OVERRUNS.setRelease(this, (long) OVERRUNS.get(this) + 1);
            }
            discontinuity(flags, seq, position);
        }
    }

    private void discontinuity(int flags, long seq, long position) {
        if ((flags & AudioPacket.FLAG_ROUTE_CHANGED) != 0) {
            RouteChangedEvent e = new RouteChangedEvent();
            if (e.isEnabled()) {
                e.change = "STREAM_REATTACHED";
                e.device = "";
                e.stream = config.name();
                e.commit();
            }
            return;
        }
        OverrunEvent e = new OverrunEvent();
        if (e.isEnabled()) {
            e.stream = config.name();
            e.sequence = seq;
            e.position = position;
            e.lostFrames = -1;
            e.commit();
        }
    }

    /**
     * The exception for a failed read (not a timeout): CLOSED once closing, else the
     * shim's failure, with the JFR event when the backend went away.
     */
    private AudioException readFailure(int rc) {
        if (closing || rc == PacShim.PAC_E_CLOSED()) {
            return closed();
        }
        AudioException e = nativeStream.failure("reading " + config.name(), rc);
        if (e.kind() == AudioException.Kind.BACKEND_DISCONNECTED) {
            BackendDisconnectedEvent event = new BackendDisconnectedEvent();
            if (event.isEnabled()) {
                event.backend = nativeStream.backend();
                event.stream = config.name();
                event.detail = e.getMessage();
                event.commit();
            }
        }
        return e;
    }

    private static int remainingMillis(long deadline) {
        long remaining = deadline - System.nanoTime();
        return remaining <= 0 ? 0 : (int) Math.min(NATIVE_WAIT_SLICE_MS, TimeUnit.NANOSECONDS.toMillis(remaining));
    }

    /** At maxSegments: waits for a close() until the deadline, in slices, to notice this stream closing. */
    private SegmentPool.Slot awaitSlot(long deadline) throws AudioException {
        try {
            for (;;) {
                long remaining = deadline - System.nanoTime();
                SegmentPool.Slot slot = pool.acquire(Math.max(0, Math.min(remaining, POOL_WAIT_SLICE_NANOS)),
                        TimeUnit.NANOSECONDS);
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
        if (checked) {
            packet = newPacket(slot);
        } else {
            packet = (AudioPacket) slot.takeAttachment();
            if (packet == null) {
                packet = newPacket(slot);
            }
        }
        int flags = pac_packet_info.flags(info);
        long position = pac_packet_info.position(info);
        long seq = sequence++;
        packet.lease(seq, pac_packet_info.timestamp_ns(info), position, (int) pac_packet_info.frames(info), flags,
                traceLeaks ? new Throwable("packet acquired here") : null);
        count(flags, seq, position);
        return packet;
    }

    /** A packet object for a slot: one per slot in the default mode, one per lease in checked mode. */
    private AudioPacket newPacket(SegmentPool.Slot slot) {
        AudioPacket packet = new AudioPacket(this, slot, checked);
        CLEANER.register(packet, new LeakReclaimer(self, slot.index(), packet.leaseState()));
        return packet;
    }

    /** Checked mode: a lease's arena was opened. Called under readLock, before the packet is returned. */
    void checkedLeaseOpened(AudioPacket.Lease lease) {
        openCheckedLeases.add(lease);
    }

    /**
     * Ends a lease: called once per lease, by {@link AudioPacket#close()} or a leak
     * watch. Checked mode: the lease's view dies first (at once, or as soon as no I/O
     * call uses it), and only then does the slot go back, so a read can never refill a
     * segment that an I/O call is still reading through the view. Safe after this
     * stream closed: the pool then only ends the lease.
     */
    void release(SegmentPool.Slot slot, AudioPacket.Lease lease, boolean leaked) {
        if (lease.arena != null) {
            // The slot goes back only once the view is dead: while an I/O call still reads
            // the view (its arena acquired), the next read must not refill the segment.
            ArenaReaper.close(List.of(lease.arena), () -> {
                openCheckedLeases.remove(lease);
                giveBack(slot, leaked);
            });
        } else {
            giveBack(slot, leaked);
        }
    }

    private void giveBack(SegmentPool.Slot slot, boolean leaked) {
        if (leaked) {
            pool.reclaimLeaked(slot);
        } else {
            pool.release(slot);
        }
    }

    long packets() {
        return (long) PACKETS.getAcquire(this);
    }

    long overruns() {
        return (long) OVERRUNS.getAcquire(this);
    }

    /** {@link NativeStream#latencyNanos()}, or unknown once closing. Any thread. */
    long latencyNanos() {
        active.incrementAndGet();
        try {
            return closing ? NativeStream.LATENCY_UNKNOWN : nativeStream.latencyNanos();
        } finally {
            active.decrementAndGet();
        }
    }

    /** Pauses or resumes on the server; any thread, concurrently with the reader. */
    void pause(boolean paused) throws AudioException {
        active.incrementAndGet();
        try {
            if (closing) {
                throw closed();
            }
            nativeStream.pause(paused);
            this.paused = paused;
        } finally {
            active.decrementAndGet();
        }
    }

    boolean isPaused() {
        return paused;
    }

    // ---- closing --------------------------------------------------------------

    /**
     * Closes: wakes a blocked reader (the shim's interrupt is immediate and sticky),
     * waits until no thread is in the shim, frees the shim stream, then frees the
     * memory — checked leases' views first, the pool's segments last — at once, or, if
     * an I/O call is still using a segment, as soon as it returns. Never throws, never
     * half-closes; idempotent; concurrent callers return when it is done.
     */
    void close() {
        if (!closeState.compareAndSet(0, 1)) {
            while (closeState.get() != 2) { // another thread is closing: wait for it
                LockSupport.parkNanos(100_000);
            }
            return;
        }
        closing = true;
        try {
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
                List<Arena> views = new ArrayList<>();
                for (AudioPacket.Lease lease : openCheckedLeases) {
                    views.add(lease.arena);
                }
                ArenaReaper.close(views, pool::close);
            } finally {
                readLock.unlock();
            }
        } finally {
            closeState.set(2);
            onClosed.run();
            StreamClosedEvent closed = new StreamClosedEvent();
            if (closed.isEnabled()) {
                PoolStats stats = pool.stats();
                closed.stream = config.name();
                closed.backend = nativeStream.backend();
                closed.packets = packets();
                closed.overruns = overruns();
                closed.poolHits = stats.poolHits();
                closed.poolMisses = stats.poolMisses();
                closed.leaks = stats.leaks();
                closed.reclaimed = reclaimedByCleaner;
                closed.commit();
            }
        }
    }

    /** Set by the StreamReclaimer before it closes: for the StreamClosed event. */
    private volatile boolean reclaimedByCleaner;

    AudioException closed() {
        return new AudioException(AudioException.Kind.CLOSED, "stream " + config.name() + " is closed");
    }

    // ---- what the garbage collector finds --------------------------------------

    /**
     * The Cleaner action of an {@link AudioStream}: runs when the handle became
     * unreachable (or when it is closed, as a no-op). Closes a stream that was never
     * closed, logs one WARNING naming it and counts it.
     */
    private record StreamReclaimer(StreamCore core) implements Runnable {
        @Override
        public void run() {
            if (core.closeState.get() != 0) {
                return;
            }
            LOG.log(Level.WARNING, "stream {0} ({1}) was garbage-collected without close(); closed it now."
                    + " Close every AudioStream (try-with-resources).", core.config.name(), core.nativeStream.backend());
            core.reclaimedByCleaner = true;
            LeakReclaimedEvent event = new LeakReclaimedEvent();
            if (event.isEnabled()) {
                event.stream = core.config.name();
                event.what = "stream";
                event.site = "";
                event.commit();
            }
            core.close();
            core.onReclaimed.run();
        }
    }

    /**
     * The Cleaner action of a packet object: runs when it became unreachable. For a
     * packet dropped while open (never closed) it ends the lease, returns the slot and
     * counts a leak. Holds the stream weakly and never the packet or the slot, so it
     * keeps nothing alive.
     */
    private record LeakReclaimer(WeakReference<StreamCore> stream, int slotIndex, AudioPacket.Lease lease)
            implements Runnable {
        @Override
        public void run() {
            StreamCore core = stream.get();
            if (core != null) { // else the stream is gone, its memory with it
                core.reclaimLeaked(slotIndex, lease);
            }
        }
    }

    /**
     * A packet object with this lease was found unreachable: if the lease is still open
     * (never closed), ends it, returns the slot and counts and reports a leak. Exactly one
     * of this and {@link AudioPacket#close()} ends a lease. Any thread (the Cleaner's).
     *
     * @return whether it was a leak
     */
    boolean reclaimLeaked(int slotIndex, AudioPacket.Lease lease) {
        if (!lease.end()) {
            return false; // closed: not a leak
        }
        release(pool.slot(slotIndex), lease, true);
        reportLeak(lease);
        return true;
    }

    private void reportLeak(AudioPacket.Lease lease) {
        Throwable acquiredAt = lease.acquiredAt;
        LeakReclaimedEvent event = new LeakReclaimedEvent();
        if (event.isEnabled()) {
            event.stream = config.name();
            event.what = "packet";
            event.site = acquiredAt == null ? "" : acquisitionSite(acquiredAt);
            event.commit();
        }
        if (acquiredAt != null) {
            lease.acquiredAt = null;
            String site = acquisitionSite(acquiredAt);
            if (reportedLeakSites.add(site)) {
                LOG.log(Level.WARNING, "stream {0}: a packet acquired at {1} was garbage-collected without"
                        + " close(); its segment was reclaimed. Close every AudioPacket (try-with-resources).",
                        config.name(), site);
            }
        } else if (!leakWarned) {
            leakWarned = true;
            LOG.log(Level.WARNING, "stream {0}: a packet was garbage-collected without close(); its segment was"
                    + " reclaimed. Close every AudioPacket (try-with-resources).", config.name());
        }
    }

    /** The first frames of {@code trace} outside the library's stream classes: the caller of next()/poll(). */
    private static String acquisitionSite(Throwable trace) {
        StackTraceElement[] frames = trace.getStackTrace();
        int first = 0;
        while (first < frames.length && (frames[first].getClassName().equals(StreamCore.class.getName())
                || frames[first].getClassName().equals(AudioStream.class.getName()))) {
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
}
