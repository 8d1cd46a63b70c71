package io.github.panamaaudio;

import io.github.panamaaudio.testing.PulseServer;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * A player whose audio numbers its own frames: into a sink of the test server it
 * plays 48 kHz stereo S16LE where frame n carries {@code FIRST + n} (left = low 16
 * bits, right = high 16 bits). A sink at unity volume with one input passes the
 * samples through unchanged, so the sink's monitor returns the numbers: a capture
 * can tell exactly which frames it got and where audio was lost, without trusting
 * the library under test. Fed through {@code pacat} (with 300 ms of buffer, so that a busy machine does not make it underrun and insert silence), which paces the writes.
 */
final class FrameCounterPlayer implements AutoCloseable {

    /** The number of the first frame; non-zero in both channels, unlike silence. */
    static final long FIRST = 0x10000 + 1;

    private final Process pacat;
    private final Thread feeder;

    FrameCounterPlayer(PulseServer server, String sink) throws IOException {
        pacat = new ProcessBuilder("pacat", "--server=" + server.address(), "--device=" + sink,
                "--format=s16le", "--rate=48000", "--channels=2", "--latency-msec=300", "--raw",
                "--client-name=frame-counter")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        feeder = Thread.ofPlatform().daemon().name("frame-counter").start(this::feed);
    }

    private void feed() {
        ByteBuffer chunk = ByteBuffer.allocate(480 * 4).order(ByteOrder.LITTLE_ENDIAN);
        long n = FIRST;
        try (OutputStream out = pacat.getOutputStream()) {
            while (!Thread.currentThread().isInterrupted()) {
                chunk.clear();
                for (int f = 0; f < 480; f++, n++) {
                    chunk.putShort((short) n).putShort((short) (n >>> 16));
                }
                out.write(chunk.array());
            }
        } catch (IOException e) {
            // pacat ended (close(), or the server went away)
        }
    }

    /** The number frame {@code frame} of a captured S16LE stereo packet carries (0 for silence). */
    static long frameNumber(MemorySegment packet, int frame) {
        ValueLayout.OfShort s16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        int left = Short.toUnsignedInt(packet.get(s16, frame * 4L));
        int right = Short.toUnsignedInt(packet.get(s16, frame * 4L + 2));
        return ((long) right << 16) | left;
    }

    boolean isAlive() {
        return pacat.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        feeder.interrupt();
        pacat.destroy();
        if (!pacat.waitFor(5, TimeUnit.SECONDS)) {
            pacat.destroyForcibly();
        }
    }
}
