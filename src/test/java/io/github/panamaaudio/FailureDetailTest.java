package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.internal.Native;
import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.ffi.pac_error;
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
    @Test
    void theDetailOfAFailedCallStaysWithItsCallerAcrossParks() throws Exception {
        ShimLoader.ensureLoaded();
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
                        int rc = PacShim.pac_pulse_open(arena.allocateFrom(server.address()),
                                PacShim.PAC_DEVICE_BY_NAME(), arena.allocateFrom(device), PacShim.PAC_FORMAT_S16LE(),
                                48_000, 2, 480, 500, arena.allocateFrom("FailureDetailTest"),
                                arena.allocateFrom("missing"), 5_000, out, error);
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
                                    || !e.getMessage().contains("(no capture source named '" + device + "')")) {
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
            assertEquals(PacShim.PAC_OK(), PacShim.pac_pulse_probe(arena.allocateFrom(server.address()), 5_000, error));
            assertEquals(PacShim.PAC_OK(), pac_error.status(error));
            assertEquals("", Native.detail(error));
        }
    }
}
