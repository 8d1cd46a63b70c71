package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioException.Kind;
import io.github.panamaaudio.internal.ffi.PacShim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Turns shim status codes into {@link AudioException}s with the shim's own words.
 *
 * <p>Thread-safety: stateless; the failure detail is per OS thread, so call
 * {@link #failure} on the thread that got the status, right after the call.
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
        if (status == PacShim.PAC_E_DISCONNECTED()) return Kind.SERVER_DISCONNECTED;
        if (status == PacShim.PAC_E_CLOSED()) return Kind.CLOSED;
        return Kind.INTERNAL;
    }

    /** An exception for a failed call: "what: kind text: detail". */
    public static AudioException failure(String what, int status) {
        String kindText = PacShim.pac_strerror(status).reinterpret(256).getString(0, StandardCharsets.UTF_8);
        String detail = lastErrorDetail();
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

    /** The calling thread's last failure detail from the shim. */
    public static String lastErrorDetail() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(512);
            PacShim.pac_last_error_detail(buf, buf.byteSize());
            return buf.getString(0, StandardCharsets.UTF_8);
        }
    }
}
