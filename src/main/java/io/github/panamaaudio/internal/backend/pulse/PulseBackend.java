package io.github.panamaaudio.internal.backend.pulse;

import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.StreamConfig;
import io.github.panamaaudio.internal.Backend;
import io.github.panamaaudio.internal.Native;
import io.github.panamaaudio.internal.NativeStream;
import io.github.panamaaudio.internal.ffi.PacShim;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The PulseAudio backend (also PipeWire's pulse server). Each stream gets its own
 * server connection in the shim, so a failing stream never disturbs another.
 *
 * <p>Thread-safety: immutable, thread-safe.
 */
public final class PulseBackend implements Backend {

    private static final ValueLayout.OfInt U32 =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.nativeOrder());

    private static final String MONITOR_SUFFIX = ".monitor";

    private final String server;
    private final String appName;
    private final int timeoutMillis;

    private PulseBackend(String server, String appName, int timeoutMillis) {
        this.server = server;
        this.appName = appName;
        this.timeoutMillis = timeoutMillis;
    }

    /** Probes the server; throws BACKEND_UNAVAILABLE when none answers. */
    public static PulseBackend connect(String server, String appName, int timeoutMillis) throws AudioException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = Native.allocateError(arena);
            int rc = PacShim.pac_pulse_probe(cString(arena, server), timeoutMillis, error);
            if (rc != PacShim.PAC_OK()) {
                throw Native.failure("pulse", error);
            }
        }
        return new PulseBackend(server, appName, timeoutMillis);
    }

    @Override
    public String name() {
        return "pulse";
    }

    @Override
    public List<AudioDevice> devices() throws AudioException {
        long capacity = 64 * 1024;
        for (int attempt = 0; attempt < 4; attempt++) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(capacity);
                MemorySegment used = arena.allocate(ValueLayout.JAVA_LONG);
                MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
                MemorySegment error = Native.allocateError(arena);
                int rc = PacShim.pac_pulse_list_sources(cString(arena, server), buf, capacity, used, count,
                        timeoutMillis, error);
                if (rc == PacShim.PAC_E_BUFFER_TOO_SMALL()) {
                    capacity = used.get(ValueLayout.JAVA_LONG, 0) + 4096;
                    continue;
                }
                if (rc != PacShim.PAC_OK()) {
                    throw Native.failure("listing pulse sources", error);
                }
                return parse(buf, used.get(ValueLayout.JAVA_LONG, 0), count.get(ValueLayout.JAVA_INT, 0));
            }
        }
        throw new AudioException(AudioException.Kind.INTERNAL, "the source list kept growing while it was read");
    }

    private static List<AudioDevice> parse(MemorySegment buf, long used, int count) {
        List<AudioDevice> devices = new ArrayList<>(count);
        long off = 0;
        for (int i = 0; i < count && off < used; i++) {
            int flags = buf.get(U32, off);
            int rate = buf.get(U32, off + 4);
            int channels = buf.get(U32, off + 8);
            off += 12;
            int nameLen = buf.get(U32, off);
            String name = new String(buf.asSlice(off + 4, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            off += 4 + nameLen;
            int descLen = buf.get(U32, off);
            String desc = new String(buf.asSlice(off + 4, descLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            off += 4 + descLen;
            boolean monitor = (flags & PacShim.PAC_SOURCE_IS_MONITOR()) != 0;
            if (monitor) { // the loopback of a sink: listed as that OUTPUT (bridge: the sink is "<name>.monitor")
                String sink = name.endsWith(MONITOR_SUFFIX) ? name.substring(0, name.length() - MONITOR_SUFFIX.length())
                        : name;
                devices.add(new AudioDevice(sink, desc, AudioDevice.Direction.OUTPUT,
                        (flags & PacShim.PAC_SOURCE_MONITORS_DEFAULT_SINK()) != 0, null, rate, channels));
            } else {
                devices.add(new AudioDevice(name, desc, AudioDevice.Direction.INPUT,
                        (flags & PacShim.PAC_SOURCE_IS_DEFAULT()) != 0, null, rate, channels));
            }
        }
        return List.copyOf(devices);
    }

    @Override
    public NativeStream open(StreamConfig config) throws AudioException {
        StreamConfig.Source source = config.source();
        int kind;
        String device = null;
        switch (source.kind()) {
            case DEFAULT_INPUT -> kind = PacShim.PAC_DEVICE_DEFAULT_SOURCE();
            case DEFAULT_OUTPUT -> kind = PacShim.PAC_DEVICE_DEFAULT_SINK_MONITOR();
            case DEVICE -> {
                kind = PacShim.PAC_DEVICE_BY_NAME();
                device = source.deviceId();
                for (AudioDevice d : devices()) {
                    if (d.id().equals(device) && d.direction() == AudioDevice.Direction.OUTPUT) {
                        device = device + MONITOR_SUFFIX;
                        break;
                    }
                }
            }
            default -> throw new AudioException(AudioException.Kind.BACKEND_UNAVAILABLE,
                    "capturing " + source + " needs the shim's context API");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            MemorySegment error = Native.allocateError(arena);
            int rc = PacShim.pac_pulse_open(cString(arena, server), kind, cString(arena, device),
                    Native.formatCode(config), config.sampleRate(), config.channels(), config.packetFrames(),
                    (int) config.bufferDuration().toMillis(), cString(arena, appName),
                    cString(arena, config.name()), timeoutMillis, out, error);
            if (rc != PacShim.PAC_OK()) {
                throw Native.failure("opening pulse stream of " + source, error);
            }
            return new NativeStream(out.get(ValueLayout.ADDRESS, 0), name());
        }
    }

    private static MemorySegment cString(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }
}
