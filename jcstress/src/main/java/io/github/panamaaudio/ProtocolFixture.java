package io.github.panamaaudio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What the packet and stream protocol tests share: one tone-backend capture per JVM,
 * small unpaced test-pattern streams, the pattern check and the codes the tests record.
 *
 * <p>These tests live in the library's package ({@code io.github.panamaaudio}, split
 * across the library jar and this module) to reach the package-private members the
 * protocol is made of ({@link StreamCore#reclaimLeaked}, {@link AudioPacket#leaseState()},
 * {@link AudioStream#core()}). That works because jcstress runs everything on the
 * class path, where the library's {@code module-info} is ignored (the shaded jar drops
 * it).
 *
 * <p>Streams are not free per sample: opening one is a few microseconds, but closing
 * it closes shared arenas, each a handshake with every thread (about 70 to 100 us
 * measured on the 2-core build machine). So the tests that race something against
 * a stream's close open a stream per state, and the tests that only race packet
 * operations {@link #borrow() borrow} an idle stream that earlier states left with
 * nothing in use, and {@link #giveBack give it back} from the arbiter. One state uses a
 * stream at a time, so the pool's counters stay exact per state.
 */
final class ProtocolFixture {

    /** The call returned normally. */
    static final int RETURNED = 0;
    /** The call threw {@link IllegalStateException}. */
    static final int THREW_ISE = 1;
    /** The call threw another exception (printed to stderr). */
    static final int THREW_OTHER = 2;

    /** How long an arbiter waits for a deferred free of the pool's memory. */
    private static final long MEMORY_FREED_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /** One capture for every state of the fork; the tone backend needs no server. */
    static final AudioCapture CAPTURE = openCapture();

    private ProtocolFixture() {
    }

    private static AudioCapture openCapture() {
        try {
            return AudioCapture.builder().backend("tone").open();
        } catch (AudioException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The streams' configuration: unpaced test pattern (byte n of the stream is
     * n mod 251), 1 ms packets of 48 kHz stereo S16 (192 bytes), and a pool of exactly
     * one segment, so that whatever comes back to the pool is visible to the next read.
     */
    static StreamConfig.Builder config() {
        return StreamConfig.builder()
                .device("pattern?paced=false")
                .format(SampleFormat.S16LE).sampleRate(48_000).channels(2)
                .packetDuration(Duration.ofMillis(1))
                .initialSegments(1).maxSegments(1)
                .name("jcstress");
    }

    /** Streams with nothing in use, left by arbiters for the next states. */
    private static final ConcurrentLinkedQueue<AudioStream> IDLE = new ConcurrentLinkedQueue<>();

    /** A stream of {@link #config()} with nothing in use: an idle one, or a new one. */
    static AudioStream borrow() {
        AudioStream stream = IDLE.poll();
        return stream != null ? stream : open(config().build());
    }

    /**
     * From an arbiter, after its checks: keeps the stream for a later state if it is
     * open with nothing in use, else closes it (a forbidden outcome must not spill
     * into the next state's counts).
     */
    static void giveBack(AudioStream stream) {
        if (!stream.isClosed() && stream.poolStats().inUse() == 0) {
            IDLE.offer(stream);
        } else {
            stream.close();
        }
    }

    static AudioStream open(StreamConfig config) {
        try {
            return CAPTURE.openStream(config);
        } catch (AudioException e) {
            throw new IllegalStateException("opening a tone stream", e);
        }
    }

    static AudioPacket next(AudioStream stream) {
        try {
            return stream.next();
        } catch (AudioException e) {
            throw new IllegalStateException("reading an open tone stream", e);
        }
    }

    /** The stream byte offset of the packet's first byte, from its metadata. */
    static long firstByte(AudioPacket packet, StreamConfig config) {
        return packet.position() * config.frameBytes();
    }

    /**
     * Whether every byte of {@code segment} is the test pattern starting at stream
     * offset {@code firstByte}. Throws {@link IllegalStateException} if the memory is
     * no longer accessible (freed, or the checked lease's view closed).
     */
    static boolean hasPattern(MemorySegment segment, long firstByte) {
        long n = segment.byteSize();
        for (long i = 0; i < n; i++) {
            if (segment.get(ValueLayout.JAVA_BYTE, i) != (byte) ((firstByte + i) % 251)) {
                return false;
            }
        }
        return true;
    }

    /** Runs {@code call} and returns {@link #RETURNED}, {@link #THREW_ISE} or {@link #THREW_OTHER}. */
    static int outcome(Runnable call) {
        try {
            call.run();
            return RETURNED;
        } catch (IllegalStateException e) {
            return THREW_ISE;
        } catch (RuntimeException | Error e) {
            unexpected(e);
            return THREW_OTHER;
        }
    }

    /** Prints an exception no outcome table accepts, so that the report shows why. */
    static void unexpected(Throwable e) {
        System.err.println("unexpected exception in a protocol test:");
        e.printStackTrace();
    }

    /**
     * 1 if the stream's pool memory is freed now or within 5 s (a free deferred by an
     * I/O call or a concurrent arena close is still a free), else 0 (leaked).
     */
    static int memoryFreed(AudioStream stream) {
        long deadline = System.nanoTime() + MEMORY_FREED_WAIT_NANOS;
        while (!stream.isMemoryFreed()) {
            if (deadline - System.nanoTime() <= 0) {
                return 0;
            }
            LockSupport.parkNanos(100_000);
        }
        return 1;
    }

    /**
     * Takes packets until the stream's one-segment pool is exhausted (at most 3), with
     * {@code poll(0)}, which returns null at once when no segment is free: one packet
     * when the segment came back exactly once. The caller closes them
     * ({@link #closeAll}); an {@link AudioException} ends the list early and is printed.
     */
    static List<AudioPacket> drain(AudioStream stream) {
        List<AudioPacket> taken = new ArrayList<>(3);
        try {
            AudioPacket p;
            while (taken.size() < 3 && (p = stream.poll(0, TimeUnit.NANOSECONDS)) != null) {
                taken.add(p);
            }
        } catch (AudioException e) {
            unexpected(e);
        }
        return taken;
    }

    static void closeAll(List<AudioPacket> packets) {
        for (AudioPacket p : packets) {
            p.close();
        }
    }
}
