package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_error;
import io.github.panamaaudio.internal.ffi.pac_packet_info;
import io.github.panamaaudio.internal.ffi.pac_stream_stats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One shim stream handle of any backend, with the off-heap memory its calls need:
 * the packet info the shim fills on each read and the {@code pac_error} each read
 * fills with its own status and failure detail (so the detail of a failed read is
 * the one that read returned, whichever OS thread the reader resumes on).
 *
 * <p>Thread-safety: {@link #read}, {@link #info()} and {@link #failure} by one
 * thread at a time (the reader); {@link #interrupt}, {@link #pause} and {@link #latencyNanos} from
 * any thread until {@link #free}; {@link #free} exactly once, after every reader
 * has left {@link #read} (the owning stream guarantees it). This class does not
 * check: it is the raw seam.
 */
public final class NativeStream {

    /** {@link #latencyNanos()} when the backend cannot tell (yet). */
    public static final long LATENCY_UNKNOWN = Long.MIN_VALUE;

    private final MemorySegment handle;
    private final String backend;
    /** Owns {@link #info}; closed by {@link #free()}, when no reader is inside. */
    private final Arena arena = Arena.ofShared();
    private final MemorySegment info;
    /** The reader's pac_error, filled by every {@link #read}. */
    private final MemorySegment error;

    public NativeStream(MemorySegment handle, String backend) {
        this.handle = handle;
        this.backend = backend;
        this.info = pac_packet_info.allocate(arena);
        this.error = Native.allocateError(arena);
    }

    /** The backend that opened it ("pulse", "tone"). */
    public String backend() {
        return backend;
    }

    /**
     * Copies one packet into {@code dst} (at most {@code dst.byteSize()} bytes) and
     * fills {@link #info()}; returns the shim status (PAC_OK, PAC_E_TIMEOUT, ...).
     */
    public int read(MemorySegment dst, int timeoutMillis) {
        return PacShim.pac_stream_read(handle, dst, dst.byteSize(), timeoutMillis, info, error);
    }

    /** The pac_packet_info of the last successful {@link #read}. Reader only. */
    public MemorySegment info() {
        return info;
    }

    /**
     * The exception for the last failed {@link #read}, with the status and detail
     * that read returned; {@code status} is the status it returned (checked
     * against the recorded one). Reader only.
     */
    public AudioException failure(String what, int status) {
        assert status == pac_error.status(error) : status + " vs " + pac_error.status(error);
        return Native.failure(what, error);
    }

    /** Wakes a blocked reader; later reads fail with PAC_E_CLOSED. Idempotent. */
    public void interrupt() {
        PacShim.pac_stream_interrupt(handle, MemorySegment.NULL);
    }

    /**
     * The latency now, in nanoseconds from the capture of the frame at the read
     * position (the next one {@link #read} returns) to now, on the clock of the
     * packet timestamps: a packet delivered now has timestamp = now - latency - its
     * duration. Signed (a loopback's frames may reach the output device after the
     * reader has them), or {@link #LATENCY_UNKNOWN} before the server's first timing
     * report. Computed on each call; any thread, concurrently with a read (the
     * shim waits at most for the reader's current dispatch).
     */
    public long latencyNanos() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment stats = pac_stream_stats.allocate(a);
            MemorySegment callError = Native.allocateError(a); // this call's own, never the reader's
            if (PacShim.pac_stream_stats_get(handle, stats, callError) != PacShim.PAC_OK()
                    || pac_stream_stats.latency_known(stats) == 0) {
                return LATENCY_UNKNOWN;
            }
            return pac_stream_stats.latency_ns(stats);
        }
    }

    /**
     * Pauses (server-side cork) or resumes. Any thread, concurrently with the reader.
     *
     * @throws AudioException if the backend refused
     */
    public void pause(boolean paused) throws AudioException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment callError = Native.allocateError(a); // this call's own, never the reader's
            if (PacShim.pac_stream_pause(handle, paused ? 1 : 0, callError) != PacShim.PAC_OK()) {
                throw Native.failure(paused ? "pausing" : "resuming", callError);
            }
        }
    }

    /** Frees the shim stream and the off-heap memory of this object. Exactly once. */
    public void free() {
        PacShim.pac_stream_close(handle);
        arena.close();
    }
}
