package io.github.panamaaudio.internal;

import io.github.panamaaudio.AudioApplication;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.SampleFormat;
import io.github.panamaaudio.StreamConfig;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_context_params;
import io.github.panamaaudio.internal.ffi.pac_event;
import io.github.panamaaudio.internal.ffi.pac_stream_params;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One backend context of the shim ({@code pac_context}): the connection an
 * {@code AudioCapture} holds for enumeration and events, and the factory of its
 * streams.
 *
 * <p>Thread-safety: {@link #devices}, {@link #applications} and {@link #openStream}
 * from any thread, concurrently (the shim serializes them on the connection);
 * {@link #nextEvent} by one thread at a time (the capture's event thread);
 * {@link #interrupt} from any thread; {@link #close} from any thread, once the
 * event thread was interrupted: it waits until no call is inside the shim, then
 * frees the context (later calls throw {@code CLOSED}). Streams stay valid after
 * {@link #close}: each has its own shim resources.
 */
public final class NativeContext implements AutoCloseable {

    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
    private static final long FIRST_LIST_CAPACITY = 64 * 1024;

    private final MemorySegment handle;
    private final String backend;
    /** Owns the event thread's pac_event and pac_error; closed by {@link #close()}. */
    private final Arena arena = Arena.ofShared();
    private final MemorySegment event;
    private final MemorySegment eventError;
    /** Calls into the shim hold the read lock; {@link #close()} takes the write lock. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private boolean closed; // guarded by lifecycle's write lock, read under its read lock

    private NativeContext(MemorySegment handle, String backend) {
        this.handle = handle;
        this.backend = backend;
        this.event = pac_event.allocate(arena);
        this.eventError = Native.allocateError(arena);
    }

    /**
     * Opens a context of the backend row {@code backend} ({@code pac_context_open}).
     *
     * @param options validated keys and values ({@link Backends#checkOptions})
     * @throws AudioException {@code BACKEND_UNAVAILABLE} when its library or server is missing
     */
    static NativeContext open(String backend, String appName, Map<String, String> options, int timeoutMillis)
            throws AudioException {
        try (Arena a = Arena.ofConfined()) {
            StringBuilder lines = new StringBuilder();
            for (Map.Entry<String, String> e : options.entrySet()) {
                lines.append(e.getKey()).append('=').append(e.getValue()).append('\n');
            }
            MemorySegment params = pac_context_params.allocate(a);
            pac_context_params.app_name(params, cString(a, appName));
            pac_context_params.options(params, lines.isEmpty() ? MemorySegment.NULL : a.allocateFrom(lines.toString()));
            pac_context_params.timeout_ms(params, timeoutMillis);
            pac_context_params.reserved(params, 0);
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            MemorySegment error = Native.allocateError(a);
            if (PacShim.pac_context_open(a.allocateFrom(backend), params, out, error) != PacShim.PAC_OK()) {
                throw Native.failure(backend, error);
            }
            return new NativeContext(out.get(ValueLayout.ADDRESS, 0), backend);
        }
    }

    /** The backend's name ("pulse", "tone"). */
    public String backend() {
        return backend;
    }

    private void enter() throws AudioException {
        lifecycle.readLock().lock();
        if (closed) {
            lifecycle.readLock().unlock();
            throw new AudioException(AudioException.Kind.CLOSED, "the " + backend + " context is closed");
        }
    }

    private void leave() {
        lifecycle.readLock().unlock();
    }

    /** A shim list call: fills buf, used and count; returns its status. */
    private interface ListCall {
        int call(MemorySegment buf, long capacity, MemorySegment used, MemorySegment count, MemorySegment error);
    }

    /** Calls a list function with a buffer that grows to what the shim says it needs. */
    private <T> T list(String what, ListCall call, Parser<T> parser) throws AudioException {
        enter();
        try {
            long capacity = FIRST_LIST_CAPACITY;
            for (int attempt = 0; attempt < 5; attempt++) {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment buf = a.allocate(capacity);
                    MemorySegment used = a.allocate(ValueLayout.JAVA_LONG);
                    MemorySegment count = a.allocate(ValueLayout.JAVA_INT);
                    MemorySegment error = Native.allocateError(a);
                    int rc = call.call(buf, capacity, used, count, error);
                    if (rc == PacShim.PAC_E_BUFFER_TOO_SMALL()) {
                        capacity = used.get(ValueLayout.JAVA_LONG, 0) * 2 + 4096; // it may grow meanwhile
                        continue;
                    }
                    if (rc != PacShim.PAC_OK()) {
                        throw Native.failure("listing " + backend + " " + what, error);
                    }
                    return parser.parse(new Reader(buf, used.get(ValueLayout.JAVA_LONG, 0)),
                            count.get(ValueLayout.JAVA_INT, 0));
                }
            }
            throw new AudioException(AudioException.Kind.INTERNAL, "the " + what + " list kept growing while it was read");
        } finally {
            leave();
        }
    }

    private interface Parser<T> {
        T parse(Reader r, int count) throws AudioException;
    }

    /** Reads the shim's records: u32 in host order, u32-length-prefixed UTF-8 strings. */
    private static final class Reader {
        private final MemorySegment buf;
        private final long end;
        private long off;

        Reader(MemorySegment buf, long used) {
            this.buf = buf;
            this.end = used;
        }

        long u32() throws AudioException {
            need(4);
            long v = Integer.toUnsignedLong(buf.get(U32, off));
            off += 4;
            return v;
        }

        String str() throws AudioException {
            long n = u32();
            need(n);
            String s = new String(buf.asSlice(off, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            off += n;
            return s;
        }

        private void need(long n) throws AudioException {
            if (n < 0 || off + n > end) {
                throw new AudioException(AudioException.Kind.INTERNAL, "a list record from the shim ends early at byte "
                        + off + " of " + end);
            }
        }
    }

    private static AudioDevice.Direction direction(long d) {
        if (d == PacShim.PAC_DIRECTION_INPUT()) return AudioDevice.Direction.INPUT;
        if (d == PacShim.PAC_DIRECTION_OUTPUT()) return AudioDevice.Direction.OUTPUT;
        return null;
    }

    private static SampleFormat format(long f) {
        if (f == PacShim.PAC_FORMAT_S16LE()) return SampleFormat.S16LE;
        if (f == PacShim.PAC_FORMAT_S32LE()) return SampleFormat.S32LE;
        if (f == PacShim.PAC_FORMAT_F32LE()) return SampleFormat.F32LE;
        return null;
    }

    /** The devices now, inputs and outputs ({@code pac_context_devices}). */
    public List<AudioDevice> devices() throws AudioException {
        return list("devices", (buf, cap, used, count, error) ->
                PacShim.pac_context_devices(handle, buf, cap, used, count, error), (r, count) -> {
            List<AudioDevice> devices = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                AudioDevice.Direction direction = direction(r.u32());
                long flags = r.u32();
                SampleFormat format = format(r.u32());
                int rate = (int) r.u32();
                int channels = (int) r.u32();
                String id = r.str();
                String description = r.str();
                if (direction != null) {
                    devices.add(new AudioDevice(id, description, direction,
                            (flags & PacShim.PAC_DEVICE_FLAG_DEFAULT()) != 0, format, rate, channels));
                }
            }
            return List.copyOf(devices);
        });
    }

    /** The applications playing now ({@code pac_context_applications}). */
    public List<AudioApplication> applications() throws AudioException {
        return list("applications", (buf, cap, used, count, error) ->
                PacShim.pac_context_applications(handle, buf, cap, used, count, error), (r, count) -> {
            List<AudioApplication> apps = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long pid = r.u32();
                long streams = r.u32();
                String name = r.str();
                String binary = r.str();
                List<AudioApplication.PlaybackStream> playing = new ArrayList<>();
                for (long s = 0; s < streams; s++) {
                    long index = r.u32();
                    String title = r.str();
                    String device = r.str();
                    playing.add(new AudioApplication.PlaybackStream(index, title, device));
                }
                apps.add(new AudioApplication(pid == 0 ? OptionalLong.empty() : OptionalLong.of(pid), name, binary,
                        playing));
            }
            return List.copyOf(apps);
        });
    }

    /**
     * The next event, waiting up to {@code timeoutMillis}; null on timeout.
     *
     * @throws AudioException {@code CLOSED} once {@link #interrupt()} was called,
     *                        {@code BACKEND_DISCONNECTED} if the context's connection broke
     */
    public NativeEvent nextEvent(int timeoutMillis) throws AudioException {
        enter();
        try {
            int rc = PacShim.pac_context_next_event(handle, event, Math.max(0, timeoutMillis), eventError);
            if (rc == PacShim.PAC_E_TIMEOUT()) {
                return null;
            }
            if (rc != PacShim.PAC_OK()) {
                throw Native.failure("waiting for " + backend + " events", eventError);
            }
            int dir = pac_event.direction(event);
            return new NativeEvent(pac_event.type(event), dir == 0 ? null : direction(dir),
                    Integer.toUnsignedLong(pac_event.pid(event)), cStringIn(pac_event.id(event)),
                    cStringIn(pac_event.binary(event)));
        } finally {
            leave();
        }
    }

    /** The NUL-terminated UTF-8 string at the start of a fixed-size array. */
    private static String cStringIn(MemorySegment bytes) {
        long n = 0;
        while (n < bytes.byteSize() && bytes.get(ValueLayout.JAVA_BYTE, n) != 0) {
            n++;
        }
        return new String(bytes.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** Wakes {@link #nextEvent}; later calls throw CLOSED at once. Idempotent; no wait. */
    public void interrupt() {
        lifecycle.readLock().lock();
        try {
            if (!closed) {
                PacShim.pac_context_interrupt(handle, MemorySegment.NULL);
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Opens a stream for a validated config ({@code pac_stream_open}).
     *
     * @throws AudioException {@code DEVICE_NOT_FOUND} naming what was asked, {@code FORMAT_UNSUPPORTED},
     *                        {@code BACKEND_UNAVAILABLE}, {@code BACKEND_DISCONNECTED}
     */
    public NativeStream openStream(StreamConfig config) throws AudioException {
        StreamConfig.Source source = config.source();
        enter();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = pac_stream_params.allocate(a);
            p.fill((byte) 0);
            pac_stream_params.target(p, switch (source.kind()) {
                case DEFAULT_INPUT -> PacShim.PAC_TARGET_DEFAULT_INPUT();
                case DEFAULT_OUTPUT -> PacShim.PAC_TARGET_DEFAULT_OUTPUT();
                case DEVICE -> PacShim.PAC_TARGET_DEVICE();
                case APPLICATION_PROCESS -> PacShim.PAC_TARGET_APPLICATION_PID();
                case APPLICATION_NAME -> PacShim.PAC_TARGET_APPLICATION_NAME();
            });
            pac_stream_params.format(p, Native.formatCode(config));
            pac_stream_params.rate(p, config.sampleRate());
            pac_stream_params.channels(p, config.channels());
            pac_stream_params.packet_frames(p, config.packetFrames());
            pac_stream_params.buffer_ms(p, (int) config.bufferDuration().toMillis());
            pac_stream_params.pid(p, (int) source.processId());
            pac_stream_params.device_id(p, cString(a, source.deviceId()));
            pac_stream_params.application(p, cString(a, source.application()));
            pac_stream_params.stream_name(p, cString(a, config.name()));
            MemorySegment out = a.allocate(ValueLayout.ADDRESS);
            MemorySegment error = Native.allocateError(a);
            if (PacShim.pac_stream_open(handle, p, out, error) != PacShim.PAC_OK()) {
                throw Native.failure("opening " + backend + " stream of " + source, error);
            }
            return new NativeStream(out.get(ValueLayout.ADDRESS, 0), backend);
        } finally {
            leave();
        }
    }

    /**
     * Interrupts, waits until no other call is inside the shim, then frees the context.
     * Idempotent. The event thread must have been told to stop (it leaves at once
     * after {@link #interrupt()}).
     */
    @Override
    public void close() {
        interrupt();
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            PacShim.pac_context_close(handle);
            arena.close();
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    private static MemorySegment cString(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }
}
