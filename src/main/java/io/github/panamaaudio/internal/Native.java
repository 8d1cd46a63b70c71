package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioException.Kind;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_error;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Turns shim status codes into {@link AudioException}s with the shim's own words.
 *
 * <p>Every fallible shim function fills a {@code pac_error} the caller hands in
 * before it returns, so the detail belongs to that call wherever the calling
 * (possibly virtual) thread runs afterwards.
 *
 * <p>Thread-safety: stateless; a {@code pac_error} segment belongs to whoever
 * allocated it for a call.
 */
public final class Native {

    private Native() {
    }

    /** The exception kind of a negative shim status. */
    public static Kind kindOf(int status) {
        if (status == PacShim.PAC_E_BACKEND_UNAVAILABLE()) return Kind.BACKEND_UNAVAILABLE;
        if (status == PacShim.PAC_E_DEVICE_NOT_FOUND()) return Kind.DEVICE_NOT_FOUND;
        if (status == PacShim.PAC_E_FORMAT_UNSUPPORTED()) return Kind.FORMAT_UNSUPPORTED;
        if (status == PacShim.PAC_E_DEVICE_LOST()) return Kind.DEVICE_LOST;
        if (status == PacShim.PAC_E_DISCONNECTED()) return Kind.BACKEND_DISCONNECTED;
        if (status == PacShim.PAC_E_CLOSED()) return Kind.CLOSED;
        return Kind.INTERNAL;
    }

    /** A pac_error for one call (or one reader's calls), in the caller's allocator. */
    public static MemorySegment allocateError(SegmentAllocator allocator) {
        return pac_error.allocate(allocator);
    }

    /**
     * An exception for a failed call, "what: kind text (detail)", with the status and
     * detail the call wrote into {@code error}.
     */
    public static AudioException failure(String what, MemorySegment error) {
        int status = pac_error.status(error);
        String kindText = PacShim.pac_strerror(status).reinterpret(256).getString(0, StandardCharsets.UTF_8);
        String detail = detail(error);
        String message = what + ": " + kindText + (detail.isEmpty() || detail.equals(kindText) ? "" : " (" + detail + ")");
        return new AudioException(kindOf(status), message);
    }

    /** The shim's PAC_FORMAT_* code of a config's format. */
    public static int formatCode(io.github.panamaaudio.StreamConfig config) {
        return switch (config.format()) {
            case S16LE -> PacShim.PAC_FORMAT_S16LE();
            case S32LE -> PacShim.PAC_FORMAT_S32LE();
            case F32LE -> PacShim.PAC_FORMAT_F32LE();
        };
    }

    /** The detail a call wrote into {@code error} (empty on success). */
    public static String detail(MemorySegment error) {
        int len = Math.clamp(pac_error.detail_len(error), 0, PacShim.PAC_ERROR_DETAIL_CAPACITY() - 1);
        byte[] bytes = pac_error.detail(error).asSlice(0, len).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
