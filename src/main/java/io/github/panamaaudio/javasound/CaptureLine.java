package io.github.panamaaudio.javasound;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.PacketInfo;
import io.github.panamaaudio.SampleFormat;
import io.github.panamaaudio.StreamConfig;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.Control;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.LineEvent;
import javax.sound.sampled.LineListener;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.TargetDataLine;

/**
 * A {@link TargetDataLine} over one {@link AudioStream} of the library, opened with
 * the line and closed with it.
 *
 * <h2>Data path</h2>
 * The line's buffer is off-heap memory of its own: a ring of packet-sized slots
 * (10 ms each). {@link #read(byte[], int, int)} and {@link #available()} fill slots
 * with {@link AudioStream#read(MemorySegment, PacketInfo, Duration)} — the shim copies
 * each packet once, straight from the server's buffer into the slot — and
 * {@code read} then copies from the slots into the caller's {@code byte[]}, which the
 * interface requires (a Java array is not memory the shim can write). Nothing else is
 * copied; there is no reader thread: the thread that reads (or asks
 * {@code available()}) pulls the packets.
 *
 * <h2>Buffer</h2>
 * {@link #getBufferSize()} is the ring: what {@code available()} can report at most
 * (default half a second). Behind it the server keeps up to
 * {@code max(4 s, buffer)} for a reader that falls behind (some servers deliver in
 * blocks of 2 s); audio beyond that is lost, as with any line that is not read.
 *
 * <h2>Start and stop</h2>
 * Capture runs from {@link #start()} to {@link #stop()}. Audio the server queued
 * before {@code start()} is discarded then (while the line is stopped the stream is
 * paused on the server where the backend can; where it cannot, it keeps
 * running, and its backlog is what start discards). A stopped line keeps what is in
 * its buffer: {@code read} on a stopped line returns that without blocking, then 0.
 *
 * <h2>Positions</h2>
 * {@link #getLongFramePosition()} counts the frames this line has taken from its
 * stream since it was opened: those read plus those in the buffer (and those flushed).
 * Audio the server dropped because nobody read it is not counted.
 *
 * <h2>Events</h2>
 * OPEN, START, STOP, CLOSE on the thread whose call caused them (closing a running
 * line sends STOP, then CLOSE). A source that goes away (an explicit device removed,
 * the server gone) stops the line: the read in progress returns what it has, a STOP
 * event follows, and a WARNING names the cause.
 *
 * <p>Thread-safety: thread-safe. Reads are serialized; {@code stop}, {@code flush},
 * {@code drain} and {@code close} from other threads make a blocked read return
 * within about 20 ms ({@code close} at once). Lock order: the lifecycle monitor, then
 * the I/O lock; a reader holds only the I/O lock.
 */
final class CaptureLine implements TargetDataLine {

    /** Default buffer: half a second. */
    static final int DEFAULT_BUFFER_MILLIS = 500;
    private static final Duration PACKET = Duration.ofMillis(10);
    /** How long a blocked read waits in the stream before it looks at stop/flush/drain again. */
    private static final Duration SLICE = Duration.ofMillis(20);
    private static final Duration NOW = Duration.ZERO;
    private static final Duration MIN_SERVER_BUFFER = Duration.ofSeconds(4);
    /** Bound of the packets discarded at start (more than the largest server buffer holds). */
    private static final int MAX_DISCARD = 10 * StreamConfig.MAX_BUFFER_MILLIS;
    private static final long DRAIN_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio.javasound");

    private final CaptureMixer mixer;
    private final AudioFormat defaultFormat;
    private final LineListeners listeners = new LineListeners();
    /** Guards open/start/stop/close transitions; events are fired after leaving it. */
    private final Object lifecycle = new Object();
    /** Held by whoever touches the stream or the slots: a reader, available(), flush, start's discard, close. */
    private final ReentrantLock io = new ReentrantLock();

    // Lifecycle state: written under lifecycle, read by any thread.
    private volatile boolean open;
    private volatile boolean running;
    private volatile AudioFormat format;       // null until first opened
    private volatile int bufferSize;
    private boolean pausable;                  // guarded by lifecycle
    /** Bumped by stop, flush, drain and close: a read that began before one returns what it has. */
    private final AtomicLong interruptions = new AtomicLong();
    /** Why capture broke, set by the I/O lock holder; cleared by start. */
    private volatile AudioException failure;

    // An open line's resources: assigned under lifecycle and io, used under io.
    private AudioStream stream;
    private Arena arena;
    private MemorySegment[] slots;             // ringSlots ring slots, then one scratch slot for discards
    private int[] slotBytes;
    private int ringSlots;
    private final PacketInfo info = new PacketInfo();
    private int readSlot;                      // guarded by io
    private int readOffset;                    // guarded by io
    private int writeSlot;                     // guarded by io
    private int filledSlots;                   // guarded by io
    /** Bytes in the ring; written under io, read by available() without it. */
    private volatile int buffered;
    /** Frames taken from the stream since open; written under io. */
    private volatile long framesCaptured;

    CaptureLine(CaptureMixer mixer, AudioFormat defaultFormat) {
        this.mixer = mixer;
        this.defaultFormat = defaultFormat;
    }

    // ------------------------------------------------------------------ open / close

    /** Opens with the current format ({@link #getFormat()}) and the default buffer. */
    @Override
    public void open() throws LineUnavailableException {
        open(getFormat(), AudioSystem.NOT_SPECIFIED);
    }

    /** Opens with {@code format} and the default buffer (half a second). */
    @Override
    public void open(AudioFormat format) throws LineUnavailableException {
        open(format, AudioSystem.NOT_SPECIFIED);
    }

    /**
     * Opens a stream of the mixer's source in {@code format}. {@code bufferSize} (bytes,
     * whole frames; {@link AudioSystem#NOT_SPECIFIED} or less than 1: half a second) is
     * rounded up to whole 10 ms packets, at least two. Opening an open line again with a
     * format that matches its own does nothing (as the JDK's lines).
     *
     * @throws IllegalArgumentException a format not fully specified or inconsistent, a buffer size of no whole frames
     * @throws LineUnavailableException a format the line cannot deliver, no backend, the source not found,
     *                                  the server refused the stream
     * @throws IllegalStateException    already open with another format
     */
    @Override
    public void open(AudioFormat format, int bufferSize) throws LineUnavailableException {
        Objects.requireNonNull(format, "format");
        synchronized (lifecycle) {
            if (open) {
                if (format.matches(this.format)) {
                    return;
                }
                throw new IllegalStateException("the line is already open with format " + this.format
                        + "; close it before opening it with " + format);
            }
            SampleFormat sampleFormat = LineFormats.check(format);
            int frameSize = format.getFrameSize();
            if (bufferSize > 0 && bufferSize % frameSize != 0) {
                throw new IllegalArgumentException("bufferSize = " + bufferSize + " is not a whole number of "
                        + frameSize + "-byte frames");
            }
            int rate = (int) format.getSampleRate();
            StreamConfig.Builder builder = StreamConfig.builder()
                    .source(mixer.source().source())
                    .format(sampleFormat)
                    .sampleRate(rate)
                    .channels(format.getChannels())
                    .packetDuration(PACKET)
                    .initialSegments(1)   // the pool is unused: packets go into this line's memory
                    .maxSegments(1)
                    .name("javasound");
            int packetBytes = builder.build().packetBytes();
            long packetNanos = Math.round(builder.build().packetFrames() * 1e9 / rate);
            long requested = bufferSize > 0 ? bufferSize : (long) frameSize * rate * DEFAULT_BUFFER_MILLIS / 1000;
            long maxSlots = Math.min((Integer.MAX_VALUE - 8) / packetBytes - 1,
                    TimeUnit.MILLISECONDS.toNanos(StreamConfig.MAX_BUFFER_MILLIS) / packetNanos);
            int nSlots = (int) Math.max(2, Math.min(maxSlots, (requested + packetBytes - 1) / packetBytes));
            Duration lineBuffer = Duration.ofNanos(nSlots * packetNanos);
            Duration serverBuffer = lineBuffer.compareTo(MIN_SERVER_BUFFER) > 0 ? lineBuffer : MIN_SERVER_BUFFER;
            if (serverBuffer.toMillis() > StreamConfig.MAX_BUFFER_MILLIS) {
                serverBuffer = Duration.ofMillis(StreamConfig.MAX_BUFFER_MILLIS);
            }
            StreamConfig config = builder.bufferDuration(serverBuffer).build();

            AudioCapture capture;
            try {
                capture = mixer.capture().acquire();
            } catch (AudioException e) {
                throw unavailable("cannot open a line of \"" + mixer.getMixerInfo().getName() + "\"", e);
            }
            AudioStream s = null;
            Arena a = null;
            boolean canPause;
            MemorySegment[] ring = new MemorySegment[nSlots + 1];
            try {
                s = capture.openStream(config);
                canPause = pause(s);
                a = Arena.ofShared();
                MemorySegment memory = a.allocate((long) packetBytes * (nSlots + 1), 8);
                for (int i = 0; i <= nSlots; i++) {
                    ring[i] = memory.asSlice((long) i * packetBytes, packetBytes);
                }
            } catch (AudioException e) {
                cleanUp(s, a);
                throw unavailable("cannot open a line of \"" + mixer.getMixerInfo().getName() + "\" in " + format, e);
            } catch (RuntimeException | Error e) {
                cleanUp(s, a);
                throw e;
            }
            io.lock();
            try {
                stream = s;
                arena = a;
                slots = ring;
                slotBytes = new int[nSlots + 1];
                ringSlots = nSlots;
                readSlot = readOffset = writeSlot = filledSlots = 0;
                buffered = 0;
                framesCaptured = 0;
            } finally {
                io.unlock();
            }
            pausable = canPause;
            failure = null;
            this.format = format;
            this.bufferSize = nSlots * packetBytes;
            open = true;
            mixer.lineOpened(this);
        }
        listeners.fire(this, LineEvent.Type.OPEN, 0);
    }

    private void cleanUp(AudioStream s, Arena a) {
        if (s != null) {
            s.close();
        }
        if (a != null) {
            a.close();
        }
        mixer.capture().release();
    }

    /** Pauses a stream on the server; false if the backend cannot pause (the stream then keeps running). */
    private static boolean pause(AudioStream s) {
        try {
            s.pause();
            return true;
        } catch (AudioException e) {
            LOG.log(Level.DEBUG, "Java Sound: the stream cannot pause ({0}); it runs while the line is stopped"
                    + " and start() discards its backlog", e.getMessage());
            return false;
        }
    }

    static LineUnavailableException unavailable(String what, AudioException cause) {
        LineUnavailableException e = new LineUnavailableException(what + ": " + cause.getMessage()
                + " [" + cause.kind() + "]");
        e.initCause(cause);
        return e;
    }

    /**
     * Closes the stream and frees the line's buffer; a read blocked in it returns at once
     * with what it has. Sends STOP first if the line was running, then CLOSE. The line
     * may be opened again. Idempotent.
     */
    @Override
    public void close() {
        boolean wasRunning;
        synchronized (lifecycle) {
            if (!open) {
                return;
            }
            wasRunning = running;
            running = false;
            open = false;
            interruptions.incrementAndGet();
            AudioStream s = stream;
            s.close(); // wakes a reader inside it; it leaves with CLOSED
            io.lock();
            try {
                arena.close();
                arena = null;
                slots = null;
                slotBytes = null;
                stream = null;
                filledSlots = 0;
                buffered = 0;
            } finally {
                io.unlock();
            }
            mixer.lineClosed(this);
            mixer.capture().release();
        }
        if (wasRunning) {
            listeners.fire(this, LineEvent.Type.STOP, framesCaptured);
        }
        listeners.fire(this, LineEvent.Type.CLOSE, framesCaptured);
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    // ------------------------------------------------------------------ start / stop

    /**
     * Starts capture: discards what the server queued before, resumes the stream and
     * sends START. Nothing if the line is not open or already running.
     */
    @Override
    public void start() {
        synchronized (lifecycle) {
            if (!open || running) {
                return;
            }
            io.lock();
            try {
                discardQueued();
            } finally {
                io.unlock();
            }
            if (pausable) {
                try {
                    stream.resume();
                } catch (AudioException e) {
                    LOG.log(Level.DEBUG, "Java Sound: resume failed: {0}", e.getMessage());
                }
            }
            failure = null;
            running = true;
        }
        listeners.fire(this, LineEvent.Type.START, framesCaptured);
    }

    /** Discards the packets the stream has ready now, into the scratch slot. Under io. */
    private void discardQueued() {
        MemorySegment scratch = slots[ringSlots];
        try {
            for (int i = 0; i < MAX_DISCARD && stream.read(scratch, info, NOW); i++) {
                // audio from before start(): not this line's
            }
        } catch (AudioException e) {
            LOG.log(Level.DEBUG, "Java Sound: discarding the backlog failed: {0}", e.getMessage());
        }
    }

    /**
     * Stops capture: a blocked read returns what it has (within about 20 ms), the
     * buffer keeps its data, the stream pauses on the server (where the backend can),
     * and STOP is sent. Nothing if not running.
     */
    @Override
    public void stop() {
        synchronized (lifecycle) {
            if (!running) {
                return;
            }
            running = false;
            interruptions.incrementAndGet();
            if (pausable) {
                try {
                    stream.pause();
                } catch (AudioException e) {
                    LOG.log(Level.DEBUG, "Java Sound: pause failed: {0}", e.getMessage());
                }
            }
        }
        listeners.fire(this, LineEvent.Type.STOP, framesCaptured);
    }

    /** Whether the line is started (between start and stop, and capture has not broken). */
    @Override
    public boolean isRunning() {
        return running;
    }

    /** As {@link #isRunning()}: a started line captures all the time, also through silence. */
    @Override
    public boolean isActive() {
        return running;
    }

    // ------------------------------------------------------------------ data

    /**
     * Reads {@code len} bytes (whole frames) into {@code b} from {@code off}, blocking
     * until they are all there — unless the line is or becomes stopped, closed, flushed
     * or drained, or the reading thread is interrupted (its interrupt status stays
     * set): then it returns what it has read so far, at once. A line that is not
     * running returns what its buffer holds, without blocking (0 when empty). This is
     * the one copy the interface forces: from the line's off-heap buffer into the array.
     *
     * @throws IllegalArgumentException       {@code len} negative or not a whole number of frames
     * @throws ArrayIndexOutOfBoundsException {@code off} negative or {@code off + len > b.length}
     */
    @Override
    public int read(byte[] b, int off, int len) {
        Objects.requireNonNull(b, "b");
        if (len == 0) {
            return 0;
        }
        if (len < 0) {
            throw new IllegalArgumentException("len = " + len + " is negative");
        }
        int frameSize = getFormat().getFrameSize();
        if (len % frameSize != 0) {
            throw new IllegalArgumentException("len = " + len + " is not a whole number of " + frameSize
                    + "-byte frames");
        }
        if (off < 0) {
            throw new ArrayIndexOutOfBoundsException("off = " + off + " is negative");
        }
        if ((long) off + len > b.length) {
            throw new ArrayIndexOutOfBoundsException("off + len = " + ((long) off + len) + " is beyond the array's "
                    + b.length + " bytes");
        }
        long mark = interruptions.get();
        int done = 0;
        io.lock();
        try {
            while (slots != null) {
                done += take(b, off + done, len - done);
                if (done == len || !running || failure != null || interruptions.get() != mark
                        || Thread.currentThread().isInterrupted()) {
                    break;
                }
                pull(SLICE); // the ring is empty here
            }
        } finally {
            io.unlock();
        }
        afterFailure();
        return done;
    }

    /** Copies up to {@code n} bytes from the ring into {@code b}. Under io. */
    private int take(byte[] b, int off, int n) {
        int copied = 0;
        while (copied < n && filledSlots > 0) {
            int k = Math.min(slotBytes[readSlot] - readOffset, n - copied);
            MemorySegment.copy(slots[readSlot], ValueLayout.JAVA_BYTE, readOffset, b, off + copied, k);
            copied += k;
            readOffset += k;
            if (readOffset == slotBytes[readSlot]) {
                readOffset = 0;
                readSlot = (readSlot + 1) % ringSlots;
                filledSlots--;
            }
        }
        buffered -= copied;
        return copied;
    }

    /** Reads one packet from the stream into the next free slot, waiting up to {@code timeout}. Under io. */
    private boolean pull(Duration timeout) {
        if (filledSlots == ringSlots) {
            return false;
        }
        try {
            if (!stream.read(slots[writeSlot], info, timeout)) {
                return false;
            }
        } catch (AudioException e) {
            failure = e;
            return false;
        }
        int bytes = (int) info.bytes();
        slotBytes[writeSlot] = bytes;
        writeSlot = (writeSlot + 1) % ringSlots;
        filledSlots++;
        buffered += bytes;
        framesCaptured += info.frames();
        return true;
    }

    /** After leaving the I/O lock: a capture that broke stops the line (STOP event, one WARNING). */
    private void afterFailure() {
        AudioException e = failure;
        if (e == null) {
            return;
        }
        synchronized (lifecycle) {
            if (!running || failure != e) {
                return; // stopped or closed already (a close makes the stream throw CLOSED), or restarted
            }
            running = false;
        }
        if (e.kind() == AudioException.Kind.CLOSED) {
            LOG.log(Level.DEBUG, "Java Sound: the capture of \"{0}\" was closed (JVM exit)",
                    mixer.getMixerInfo().getName());
        } else {
            LOG.log(Level.WARNING, "Java Sound: the capture of \"" + mixer.getMixerInfo().getName()
                    + "\" stopped: " + e.getMessage() + " [" + e.kind() + "]");
        }
        listeners.fire(this, LineEvent.Type.STOP, framesCaptured);
    }

    /**
     * Bytes that a read returns without blocking: first takes every packet the stream
     * has ready into the buffer (never waiting; not while another thread is reading, nor
     * while stopped), then reports the buffer's fill. At most {@link #getBufferSize()}.
     */
    @Override
    public int available() {
        if (!open) {
            return 0;
        }
        if (running && failure == null && io.tryLock()) {
            try {
                if (slots != null) {
                    while (pull(NOW)) {
                        // take what is ready
                    }
                }
            } finally {
                io.unlock();
            }
            afterFailure();
        }
        return buffered;
    }

    /**
     * Blocks until the buffer is empty (the application has read it) or the line is
     * closed; then a read blocked in another thread returns what it has.
     */
    @Override
    public void drain() {
        while (open && buffered > 0) {
            LockSupport.parkNanos(DRAIN_POLL_NANOS);
            if (Thread.currentThread().isInterrupted()) {
                break;
            }
        }
        interruptions.incrementAndGet();
    }

    /**
     * Discards the buffer and, if running, what the stream has ready; a read blocked in
     * another thread returns what it has.
     */
    @Override
    public void flush() {
        interruptions.incrementAndGet();
        io.lock();
        try {
            if (slots == null) {
                return;
            }
            readSlot = readOffset = writeSlot = filledSlots = 0;
            buffered = 0;
            if (running) {
                discardQueued();
            }
        } finally {
            io.unlock();
        }
    }

    // ------------------------------------------------------------------ properties

    /** The format opened with; before the first open, the default format. */
    @Override
    public AudioFormat getFormat() {
        AudioFormat f = format;
        return f != null ? f : defaultFormat;
    }

    /** The buffer's size in bytes (whole 10 ms packets); before the first open, the default for the default format. */
    @Override
    public int getBufferSize() {
        if (format != null) {
            return bufferSize;
        }
        AudioFormat f = defaultFormat;
        return (int) ((long) f.getFrameSize() * (int) f.getSampleRate() * DEFAULT_BUFFER_MILLIS / 1000);
    }

    /** Frames captured since open (read, buffered or flushed), as an int (wraps after 2^31 frames). */
    @Override
    public int getFramePosition() {
        return (int) framesCaptured;
    }

    @Override
    public long getLongFramePosition() {
        return framesCaptured;
    }

    /** {@link #getLongFramePosition()} in microseconds at the line's sample rate. */
    @Override
    public long getMicrosecondPosition() {
        return (long) (framesCaptured * 1_000_000.0 / getFormat().getSampleRate());
    }

    /** {@link AudioSystem#NOT_SPECIFIED}: the level is not measured. */
    @Override
    public float getLevel() {
        return AudioSystem.NOT_SPECIFIED;
    }

    @Override
    public DataLine.Info getLineInfo() {
        return mixer.lineInfo();
    }

    /** None. */
    @Override
    public Control[] getControls() {
        return new Control[0];
    }

    @Override
    public boolean isControlSupported(Control.Type control) {
        return false;
    }

    /** @throws IllegalArgumentException always: this line has no controls */
    @Override
    public Control getControl(Control.Type control) {
        throw new IllegalArgumentException("this line has no controls; asked for " + control);
    }

    @Override
    public void addLineListener(LineListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeLineListener(LineListener listener) {
        listeners.remove(listener);
    }

    @Override
    public String toString() {
        return "Panama Audio Capture TargetDataLine of \"" + mixer.getMixerInfo().getName() + "\", " + getFormat()
                + (open ? running ? ", running" : ", open" : ", closed");
    }
}
