package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.internal.Native;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_context_params;
import io.github.panamaaudio.internal.ffi.pac_error;
import io.github.panamaaudio.internal.ffi.pac_stream_params;
import io.github.panamaaudio.internal.loader.ShimLoader;
import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A failure's detail is returned by the failing call itself (a {@code pac_error}
 * the caller hands in), so it stays that call's detail however the calling virtual
 * thread moves between carrier threads afterwards. With the former design (a
 * {@code _Thread_local} buffer in C, read by a second call later) a virtual thread
 * that parked in between read whatever another virtual thread had left on its new
 * carrier.
 */
@ExtendWith(PulseServerExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FailureDetailTest {

    private static final int THREADS = 48;
    private static final int ROUNDS = 4;

    private final PulseServer server;

    FailureDetailTest(PulseServer server) {
        this.server = server;
    }

    /**
     * Virtual threads fail to open distinct missing devices through the shim, park
     * (so that they resume on any carrier, after other threads' failures ran there),
     * and only then turn the error into an exception: each names its own device.
     */
    /** A pulse context through the bindings alone; close it with pac_context_close. */
    private MemorySegment openContext(Arena arena) throws AudioException {
        MemorySegment params = pac_context_params.allocate(arena);
        pac_context_params.app_name(params, arena.allocateFrom("FailureDetailTest"));
        pac_context_params.options(params, arena.allocateFrom("server=" + server.address()));
        pac_context_params.timeout_ms(params, 5_000);
        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
        MemorySegment error = Native.allocateError(arena);
        if (PacShim.pac_context_open(arena.allocateFrom("pulse"), params, out, error) != PacShim.PAC_OK()) {
            throw Native.failure("pulse", error);
        }
        return out.get(ValueLayout.ADDRESS, 0);
    }

    @Test
    void theDetailOfAFailedCallStaysWithItsCallerAcrossParks() throws Exception {
        ShimLoader.ensureLoaded();
        Arena shared = Arena.ofShared();
        MemorySegment context = openContext(shared);
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            threads.add(Thread.ofVirtual().start(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    for (int round = 0; round < ROUNDS; round++) {
                        String device = "missing_device_" + id + "_" + round;
                        MemorySegment error = Native.allocateError(arena);
                        MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
                        MemorySegment params = pac_stream_params.allocate(arena);
                        pac_stream_params.target(params, PacShim.PAC_TARGET_DEVICE());
                        pac_stream_params.device_id(params, arena.allocateFrom(device));
                        pac_stream_params.format(params, PacShim.PAC_FORMAT_S16LE());
                        pac_stream_params.rate(params, 48_000);
                        pac_stream_params.channels(params, 2);
                        pac_stream_params.packet_frames(params, 480);
                        pac_stream_params.buffer_ms(params, 500);
                        pac_stream_params.stream_name(params, arena.allocateFrom("missing"));
                        int rc = PacShim.pac_stream_open(context, params, out, error);
                        Thread.sleep(ThreadLocalRandom.current().nextInt(1, 6)); // park: may move carriers
                        AudioException e = Native.failure("opening", error);
                        if (rc != PacShim.PAC_E_DEVICE_NOT_FOUND() || pac_error.status(error) != rc
                                || e.kind() != AudioException.Kind.DEVICE_NOT_FOUND
                                || !e.getMessage().contains("'" + device + "'")) {
                            wrong.add(device + " -> rc " + rc + ": " + e.getMessage());
                        }
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        PacShim.pac_context_close(context);
        shared.close();
        assertTrue(errors.isEmpty(), "threads failed: " + errors);
        assertTrue(wrong.isEmpty(), wrong.size() + " failures carried another call's detail, e.g. " + wrong.peek());
    }

    /** The same through the public API: concurrent opens each report their own missing device. */
    @Test
    void concurrentOpensOfMissingDevicesEachReportTheirOwnDevice() throws Exception {
        Queue<String> wrong = new ConcurrentLinkedQueue<>();
        Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try (AudioCapture capture = AudioCapture.builder().backend("pulse").option("server", server.address()).open()) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                threads.add(Thread.ofVirtual().start(() -> {
                    for (int round = 0; round < ROUNDS; round++) {
                        String device = "absent_source_" + id + "_" + round;
                        try {
                            capture.openStream(StreamConfig.builder().device(device).build()).close();
                            wrong.add(device + " opened");
                        } catch (AudioException e) {
                            // the shim's own words, in parentheses, name the device it looked for
                            if (e.kind() != AudioException.Kind.DEVICE_NOT_FOUND
                                    || !e.getMessage().contains("(no device named '" + device + "' (neither an output nor an input))")) {
                                wrong.add(device + ": " + e.getMessage());
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
        }
        assertTrue(errors.isEmpty(), "threads failed: " + errors);
        assertTrue(wrong.isEmpty(), wrong.size() + " wrong messages, e.g. " + wrong.peek());
    }

    @Test
    void aSuccessfulCallLeavesAnEmptyDetail() throws Exception {
        ShimLoader.ensureLoaded();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment error = Native.allocateError(arena);
            pac_error.status(error, -99);
            pac_error.detail_len(error, 5);
            MemorySegment context = openContext(arena);
            assertEquals(PacShim.PAC_OK(), PacShim.pac_context_interrupt(context, error));
            assertEquals(PacShim.PAC_OK(), pac_error.status(error));
            assertEquals("", Native.detail(error));
            PacShim.pac_context_close(context);
        }
    }
}
