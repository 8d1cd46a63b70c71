package io.github.panamaaudio.javasound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;
import io.github.panamaaudio.testing.Signals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.Clip;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.FloatControl;
import javax.sound.sampled.LineEvent;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.Mixer;
import javax.sound.sampled.SourceDataLine;
import javax.sound.sampled.TargetDataLine;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link TargetDataLine} and {@link Mixer} contract, in process, through
 * {@code AudioSystem} (the provider is found by the service loader on the class path)
 * against the private server's 440 Hz sine source.
 */
@ExtendWith(PulseServerExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JavaSoundLineContractTest {

    private static final AudioFormat S16_STEREO = new AudioFormat(48_000f, 16, 2, true, false);
    private static String previousServer;

    private final PulseServer server;

    JavaSoundLineContractTest(PulseServer server) {
        this.server = server;
    }

    @BeforeAll
    static void pointTheProviderAtThePrivateServer(PulseServer server) {
        previousServer = System.getProperty(AudioCapture.SERVER_PROPERTY);
        System.setProperty(AudioCapture.SERVER_PROPERTY, server.address());
    }

    @AfterAll
    static void restore() {
        if (previousServer == null) {
            System.clearProperty(AudioCapture.SERVER_PROPERTY);
        } else {
            System.setProperty(AudioCapture.SERVER_PROPERTY, previousServer);
        }
    }

    private static List<Mixer.Info> ours() {
        List<Mixer.Info> ours = new ArrayList<>();
        for (Mixer.Info i : AudioSystem.getMixerInfo()) {
            if (i.getVendor().equals("Panama Audio Capture")) {
                ours.add(i);
            }
        }
        return ours;
    }

    private Mixer mixerNamed(String part) {
        for (Mixer.Info i : ours()) {
            if (i.getName().contains(part)) {
                return AudioSystem.getMixer(i);
            }
        }
        throw new AssertionError("no mixer whose name contains " + part + " among " + ours());
    }

    private TargetDataLine sineLine() throws LineUnavailableException {
        return (TargetDataLine) mixerNamed("[" + server.sineSourceName() + "]")
                .getLine(new DataLine.Info(TargetDataLine.class, S16_STEREO));
    }

    @Test
    void everySourceIsAMixerFoundByNameAndTheSameInfoEachTime() {
        List<Mixer.Info> first = ours();
        List<String> names = first.stream().map(Mixer.Info::getName).toList();
        assertEquals("Default input", names.get(0), names.toString());
        assertTrue(names.contains("Default output loopback"), names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("Input: ") && n.endsWith("[" + server.sineSourceName() + "]")),
                names.toString());
        assertTrue(names.stream().anyMatch(n -> n.startsWith("Loopback: ") && n.endsWith("[" + server.sinkName() + "]")),
                names.toString());
        List<Mixer.Info> second = ours();
        assertEquals(first.size(), second.size());
        for (int i = 0; i < first.size(); i++) {
            assertSame(first.get(i), second.get(i), "Mixer.Info equality is identity: the same object each listing");
            Mixer m = AudioSystem.getMixer(first.get(i));
            assertSame(first.get(i), m.getMixerInfo());
            assertEquals(0, m.getSourceLineInfo().length, "capture only");
            assertEquals(0, m.getControls().length);
            assertFalse(m.isSynchronizationSupported(new javax.sound.sampled.Line[0], true));
        }
        assertThrows(IllegalArgumentException.class, () -> new PanamaMixerProvider().getMixer(null),
                "no default mixer: the JDK's stays the default");
    }

    @Test
    void linesOfferTheLibrarysSampleFormatsOnly() throws Exception {
        Mixer m = mixerNamed("[" + server.sineSourceName() + "]");
        assertTrue(m.isLineSupported(new DataLine.Info(TargetDataLine.class, S16_STEREO)));
        assertTrue(m.isLineSupported(new DataLine.Info(TargetDataLine.class, new AudioFormat(44_100f, 32, 1, true, false))));
        assertTrue(m.isLineSupported(new DataLine.Info(TargetDataLine.class,
                new AudioFormat(AudioFormat.Encoding.PCM_FLOAT, 96_000f, 32, 6, 24, 96_000f, false))));
        assertTrue(m.isLineSupported(new DataLine.Info(TargetDataLine.class, new AudioFormat(
                AudioFormat.Encoding.PCM_SIGNED, AudioSystem.NOT_SPECIFIED, 16, AudioSystem.NOT_SPECIFIED,
                AudioSystem.NOT_SPECIFIED, AudioSystem.NOT_SPECIFIED, false))));
        assertFalse(m.isLineSupported(new DataLine.Info(TargetDataLine.class, new AudioFormat(48_000f, 16, 2, true, true))),
                "big endian");
        assertFalse(m.isLineSupported(new DataLine.Info(TargetDataLine.class, new AudioFormat(48_000f, 8, 2, true, false))));
        assertFalse(m.isLineSupported(new DataLine.Info(TargetDataLine.class, new AudioFormat(48_000f, 24, 2, true, false))));
        assertFalse(m.isLineSupported(new DataLine.Info(TargetDataLine.class, new AudioFormat(
                AudioFormat.Encoding.ULAW, 8_000f, 8, 1, 1, 8_000f, false))));
        assertFalse(m.isLineSupported(new DataLine.Info(TargetDataLine.class, new AudioFormat(4_000f, 16, 1, true, false))),
                "below the library's rates");
        assertFalse(m.isLineSupported(new DataLine.Info(SourceDataLine.class, S16_STEREO)), "no playback");
        assertFalse(m.isLineSupported(new DataLine.Info(Clip.class, S16_STEREO)));
        assertThrows(IllegalArgumentException.class, () -> m.getLine(new DataLine.Info(SourceDataLine.class, S16_STEREO)));

        TargetDataLine line = sineLine();
        assertEquals(S16_STEREO.toString(), line.getFormat().toString(), "default format: the one asked for");
        assertEquals(0, line.getControls().length);
        assertFalse(line.isControlSupported(FloatControl.Type.MASTER_GAIN));
        assertThrows(IllegalArgumentException.class, () -> line.getControl(FloatControl.Type.MASTER_GAIN));
        assertEquals(AudioSystem.NOT_SPECIFIED, line.getLevel());
    }

    @ParameterizedTest
    @ValueSource(strings = {"S16LE", "S32LE", "F32LE"})
    void readBlocksUntilTheWholeRequestIsThereAndItIsTheSine(String which) throws Exception {
        AudioFormat format = switch (which) {
            case "S16LE" -> S16_STEREO;
            case "S32LE" -> new AudioFormat(48_000f, 32, 2, true, false);
            default -> new AudioFormat(AudioFormat.Encoding.PCM_FLOAT, 48_000f, 32, 2, 8, 48_000f, false);
        };
        TargetDataLine line = (TargetDataLine) mixerNamed("[" + server.sineSourceName() + "]")
                .getLine(new DataLine.Info(TargetDataLine.class, format));
        line.open(format);
        try {
            line.start();
            byte[] b = new byte[format.getFrameSize() * 48_000 * 3]; // 3 s: more than a server block
            assertEquals(b.length, line.read(b, 0, b.length), "a running line's read returns len");
            double[] mono = Signals.toMono(b, which, 2);
            double[] settled = java.util.Arrays.copyOfRange(mono, 48_000, mono.length);
            assertEquals(PulseServer.SINE_FREQUENCY_HZ, Signals.dominantFrequency(settled, 48_000), 2.0);
            assertTrue(Signals.rms(settled) > 0.1, "rms " + Signals.rms(settled));
            assertTrue(line.getLongFramePosition() >= 3 * 48_000, "position " + line.getLongFramePosition());
        } finally {
            line.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stop", "close", "flush", "drain"})
    void aBlockedReadReturnsWhatItHasWhenAnotherThreadStopsClosesFlushesOrDrains(String how) throws Exception {
        TargetDataLine line = sineLine();
        line.open(S16_STEREO);
        try {
            line.start();
            byte[] b = new byte[4 * 48_000 * 30]; // 30 s
            CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> line.read(b, 0, b.length));
            Thread.sleep(2500);
            assertFalse(read.isDone(), "a read of 30 s is still blocked after 2.5 s");
            long t0 = System.nanoTime();
            switch (how) {
                case "stop" -> line.stop();
                case "close" -> line.close();
                case "flush" -> line.flush();
                default -> line.drain();
            }
            int n = read.get(5, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(n > 0 && n < b.length, "returned " + n + " of " + b.length);
            assertEquals(0, n % 4, "whole frames");
            assertTrue(ms < 250, how + " woke the read after " + ms + " ms (a read waits in 20 ms slices)");
        } finally {
            line.close();
        }
    }

    @Test
    void aStoppedLineReturnsWhatItKeptWithoutBlockingThenZero() throws Exception {
        TargetDataLine line = sineLine();
        byte[] b = new byte[4 * 4800];
        assertEquals(0, line.read(b, 0, b.length), "never opened");
        line.open(S16_STEREO);
        try {
            long t0 = System.nanoTime();
            assertEquals(0, line.read(b, 0, b.length), "opened, never started");
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 200);
            line.start();
            awaitAvailable(line);
            line.stop();
            int kept = line.available();
            assertTrue(kept > 0, "the buffer keeps its data over stop");
            byte[] all = new byte[line.getBufferSize()];
            t0 = System.nanoTime();
            assertEquals(kept, line.read(all, 0, all.length), "what was kept, without blocking");
            assertEquals(0, line.read(b, 0, b.length), "then nothing");
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 200);
        } finally {
            line.close();
        }
    }

    private static int awaitAvailable(TargetDataLine line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int a;
        while ((a = line.available()) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(a > 0, "available() stayed 0 for 10 s on a running line");
        return a;
    }

    @Test
    void availableBytesAreReadWithoutBlockingAndPositionsCountFrames() throws Exception {
        TargetDataLine line = sineLine();
        line.open(S16_STEREO, 4 * 48_000 / 4); // 250 ms
        try {
            assertEquals(4 * 48_000 / 4, line.getBufferSize(), "whole 10 ms packets of the request");
            assertEquals(0, line.getLongFramePosition());
            line.start();
            Thread.sleep(1000);
            int a = awaitAvailable(line);
            assertTrue(a <= line.getBufferSize() && a % 4 == 0, "available " + a);
            byte[] b = new byte[a];
            long t0 = System.nanoTime();
            assertEquals(a, line.read(b, 0, a));
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 100, "available bytes did not block");
            line.stop();
            long frames = line.getLongFramePosition();
            assertEquals(frames, a / 4 + line.available() / 4, "position = frames read + frames still in the buffer");
            assertEquals((int) frames, line.getFramePosition());
            assertEquals(Math.round(frames * 1e6 / 48_000), line.getMicrosecondPosition(), 1.0);
            line.close();
            line.open(S16_STEREO);
            assertEquals(0, line.getLongFramePosition(), "counted since the line was opened");
        } finally {
            line.close();
        }
    }

    @Test
    void listenersSeeOpenStartStopCloseAndClosingARunningLineStopsItFirst() throws Exception {
        TargetDataLine line = sineLine();
        List<LineEvent.Type> events = Collections.synchronizedList(new ArrayList<>());
        line.addLineListener(e -> {
            assertSame(line, e.getLine());
            events.add(e.getType());
        });
        line.open(S16_STEREO);
        line.start();
        line.start(); // no second START
        line.stop();
        line.stop(); // no second STOP
        line.start();
        line.close();
        line.close(); // no second CLOSE
        assertEquals(List.of(LineEvent.Type.OPEN, LineEvent.Type.START, LineEvent.Type.STOP, LineEvent.Type.START,
                LineEvent.Type.STOP, LineEvent.Type.CLOSE), events);
        assertFalse(line.isOpen());
        assertFalse(line.isRunning());
    }

    @Test
    void badFormatsAndArgumentsAreRejectedAsTheInterfaceSays() throws Exception {
        TargetDataLine line = sineLine();
        assertThrows(IllegalArgumentException.class, () -> line.open(new AudioFormat(AudioFormat.Encoding.PCM_SIGNED,
                AudioSystem.NOT_SPECIFIED, 16, 2, 4, AudioSystem.NOT_SPECIFIED, false)), "not fully specified");
        assertThrows(IllegalArgumentException.class, () -> line.open(new AudioFormat(AudioFormat.Encoding.PCM_SIGNED,
                48_000f, 16, 2, 6, 48_000f, false)), "frame size is not channels × sample bytes");
        assertThrows(LineUnavailableException.class, () -> line.open(new AudioFormat(48_000f, 8, 2, true, false)),
                "8-bit: a valid format this line cannot deliver");
        assertThrows(LineUnavailableException.class, () -> line.open(new AudioFormat(48_000f, 16, 2, true, true)),
                "big endian");
        assertThrows(LineUnavailableException.class, () -> line.open(new AudioFormat(4_000f, 16, 2, true, false)),
                "below the library's rates");
        assertThrows(IllegalArgumentException.class, () -> line.open(S16_STEREO, 4 * 1000 + 2),
                "a buffer of no whole frames");
        assertFalse(line.isOpen(), "nothing opened by a rejected call");

        line.open(S16_STEREO);
        try {
            line.open(S16_STEREO); // the same format again: nothing (as the JDK's lines)
            assertThrows(IllegalStateException.class, () -> line.open(new AudioFormat(44_100f, 16, 2, true, false)));
            byte[] b = new byte[16];
            assertThrows(IllegalArgumentException.class, () -> line.read(b, 0, 6), "not whole frames");
            assertThrows(IllegalArgumentException.class, () -> line.read(b, 0, -4));
            assertThrows(ArrayIndexOutOfBoundsException.class, () -> line.read(b, -4, 4));
            assertThrows(ArrayIndexOutOfBoundsException.class, () -> line.read(b, 8, 12));
            assertEquals(0, line.read(b, 0, 0));
        } finally {
            line.close();
        }
        Mixer m = mixerNamed("[" + server.sineSourceName() + "]");
        assertThrows(IllegalArgumentException.class, () -> m.getLine(new DataLine.Info(TargetDataLine.class,
                new AudioFormat(AudioFormat.Encoding.ULAW, 8_000f, 8, 1, 1, 8_000f, false))));
    }

    @Test
    void theServerConnectionIsOpenOnlyWhileALineIs() throws Exception {
        TargetDataLine line = sineLine();
        assertFalse(clients().contains(SharedCapture.CLIENT_NAME), "listing left no connection: " + clients());
        line.open(S16_STEREO);
        assertTrue(clients().contains(SharedCapture.CLIENT_NAME), clients());
        TargetDataLine second = sineLine();
        second.open(S16_STEREO);
        line.close();
        assertTrue(clients().contains(SharedCapture.CLIENT_NAME), "one line is still open: " + clients());
        second.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (clients().contains(SharedCapture.CLIENT_NAME) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(clients().contains(SharedCapture.CLIENT_NAME), "closed with the last line: " + clients());
    }

    private String clients() {
        return server.pactl("list", "clients");
    }

    @Test
    void theJdksGetTargetDataLineWithoutAMixerTakesTheDefaultInputFirst() throws Exception {
        // with this jar on the class path the JDK asks this provider first (it reverses the service order)
        TargetDataLine line = AudioSystem.getTargetDataLine(S16_STEREO);
        assertNotNull(line);
        assertTrue(line instanceof CaptureLine, "the first mixer asked is this provider's: " + line);
        assertTrue(line.toString().contains("\"Default input\""), line.toString());
    }
}
