package io.github.panamaaudio.internal;

import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_stream_stats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One shim stream handle of any backend: read, interrupt, close.
 *
 * <p>Thread-safety: {@link #read} by one thread at a time; {@link #interrupt} and
 * {@link #stats} from any thread until {@link #free}; {@link #free} exactly once,
 * after every reader has left {@link #read} (the owning {@code AudioStream}
 * guarantees it). This class does not check: it is the raw seam.
 */
public final class NativeStream {

    private final MemorySegment handle;
    private final String backend;

    public NativeStream(MemorySegment handle, String backend) {
        this.handle = handle;
        this.backend = backend;
    }

    /** The backend that opened it ("pulse", "tone"). */
    public String backend() {
        return backend;
    }

    /** Copies one packet into {@code dst}; fills {@code info} (a pac_packet_info). */
    public int read(MemorySegment dst, int timeoutMillis, MemorySegment info) {
        return PacShim.pac_stream_read(handle, dst, dst.byteSize(), timeoutMillis, info);
    }

    /** Wakes a blocked reader; later reads fail with PAC_E_CLOSED. */
    public void interrupt() {
        PacShim.pac_stream_interrupt(handle);
    }

    /** Reads the counters into {@code stats} (a pac_stream_stats segment). */
    public void stats(MemorySegment stats) {
        PacShim.pac_stream_stats_get(handle, stats);
    }

    /** Allocates a pac_stream_stats in {@code arena}. */
    public static MemorySegment allocateStats(Arena arena) {
        return pac_stream_stats.allocate(arena);
    }

    /** Frees the shim stream. */
    public void free() {
        PacShim.pac_stream_close(handle);
    }
}
