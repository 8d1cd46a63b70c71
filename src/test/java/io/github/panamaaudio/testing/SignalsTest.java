package io.github.panamaaudio.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SignalsTest {

    private static double[] sine(double hz, double amplitude, int rate, int samples) {
        double[] x = new double[samples];
        for (int i = 0; i < samples; i++) {
            x[i] = amplitude * Math.sin(2 * Math.PI * hz * i / rate + 0.3);
        }
        return x;
    }

    @Test
    void rmsOfAFullScaleSineIsOneOverSqrtTwo() {
        assertEquals(1 / Math.sqrt(2), Signals.rms(sine(1000, 1.0, 48_000, 48_000)), 1e-6);
    }

    @Test
    void rmsOfAConstantIsItsMagnitudeAndOfNothingIsZero() {
        assertEquals(0.25, Signals.rms(new double[] {-0.25, 0.25, -0.25}), 1e-12);
        assertEquals(0.0, Signals.rms(new double[0]));
    }

    @Test
    void dominantFrequencyOfTwoSecondsOf440HzAt48kHzIsWithinOneHundredthOfAHertz() {
        assertEquals(440.0, Signals.dominantFrequency(sine(440, 0.5, 48_000, 96_000), 48_000), 0.01);
    }

    @ParameterizedTest(name = "{0} Hz at {1} Hz over {2} samples")
    @CsvSource({
        "1000, 48000, 96000",
        "440, 44100, 88200",
        "1234.5, 48000, 48000",
        "100, 48000, 4800",
        "18000, 48000, 9600",
        "440, 16000, 1000",
    })
    void dominantFrequencyFindsSinesAcrossTheBandWithinOneHertz(double hz, int rate, int samples) {
        assertEquals(hz, Signals.dominantFrequency(sine(hz, 0.3, rate, samples), rate), 1.0);
    }

    @Test
    void dominantFrequencyPicksTheLouderToneAndIgnoresDcOffsetAndNoise() {
        double[] loud = sine(750, 0.4, 48_000, 48_000);
        double[] quiet = sine(3000, 0.1, 48_000, 48_000);
        Random random = new Random(42);
        double[] x = new double[loud.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = 0.3 + loud[i] + quiet[i] + 0.05 * random.nextGaussian();
        }
        assertEquals(750.0, Signals.dominantFrequency(x, 48_000), 0.5);
    }

    @Test
    void dominantFrequencyOfSilenceIsNaNAndTooFewSamplesAreRejected() {
        assertTrue(Double.isNaN(Signals.dominantFrequency(new double[4800], 48_000)));
        assertThrows(IllegalArgumentException.class, () -> Signals.dominantFrequency(new double[1], 48_000));
        assertThrows(IllegalArgumentException.class, () -> Signals.dominantFrequency(new double[16], 0));
    }

    @Test
    void fftOfAnImpulseIsFlatAndOfACosineIsTwoBins() {
        double[] re = new double[8];
        double[] im = new double[8];
        re[0] = 1;
        Signals.fft(re, im);
        assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1}, re, 1e-12);
        assertArrayEquals(new double[8], im, 1e-12);

        re = new double[16];
        im = new double[16];
        for (int i = 0; i < 16; i++) {
            re[i] = Math.cos(2 * Math.PI * 3 * i / 16);
        }
        Signals.fft(re, im);
        for (int k = 0; k < 16; k++) {
            double magnitude = Math.hypot(re[k], im[k]);
            assertEquals(k == 3 || k == 13 ? 8.0 : 0.0, magnitude, 1e-9, "bin " + k);
        }
        assertThrows(IllegalArgumentException.class, () -> Signals.fft(new double[6], new double[6]));
    }

    @Test
    void toMonoAveragesS16leStereoFramesAndScalesByOneOver32768() {
        ByteBuffer buffer = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putShort((short) 32767).putShort((short) 32767);      // frame 0
        buffer.putShort((short) -32768).putShort((short) 0);         // frame 1
        buffer.putShort((short) 16384).putShort((short) -16384);     // frame 2
        double[] mono = Signals.toMono(buffer.array(), "S16LE", 2);
        assertArrayEquals(new double[] {32767 / 32768.0, -0.5, 0.0}, mono, 1e-12);
    }

    @Test
    void toMonoReadsS32leAndF32leFromANativeSegment() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s32 = arena.allocate(8, 4);
            s32.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, Integer.MIN_VALUE);
            s32.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4, 1 << 30);
            assertArrayEquals(new double[] {-1.0, 0.5}, Signals.toMono(s32, "S32LE", 1), 1e-12);

            MemorySegment f32 = arena.allocate(16, 4);
            float[] samples = {0.25f, -0.75f, 1.0f, 0.5f};
            for (int i = 0; i < samples.length; i++) {
                f32.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, samples[i]);
            }
            assertArrayEquals(new double[] {-0.25, 0.75}, Signals.toMono(f32, "f32_le", 2), 1e-7);
            assertArrayEquals(new double[] {-0.75, 0.5}, Signals.channel(f32, "F32LE", 2, 1), 1e-7);
        }
    }

    @Test
    void toMonoOfAnS16leSineKeepsItsFrequency() {
        double[] tone = sine(440, 0.5, 48_000, 48_000);
        ByteBuffer buffer = ByteBuffer.allocate(tone.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : tone) {
            short s = (short) Math.round(v * 32767);
            buffer.putShort(s).putShort(s);
        }
        double[] mono = Signals.toMono(buffer.array(), "S16LE", 2);
        assertEquals(440.0, Signals.dominantFrequency(mono, 48_000), 0.05);
        assertEquals(0.5 / Math.sqrt(2), Signals.rms(mono), 1e-3);
    }

    @Test
    void toMonoRejectsUnknownFormatsBadChannelCountsAndPartialFrames() {
        IllegalArgumentException format =
                assertThrows(IllegalArgumentException.class, () -> Signals.toMono(new byte[4], "U8", 1));
        assertTrue(format.getMessage().contains("S16LE"), format.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Signals.toMono(new byte[4], "S16LE", 0));
        assertThrows(IllegalArgumentException.class, () -> Signals.toMono(new byte[6], "S16LE", 2));
        assertThrows(IllegalArgumentException.class, () -> Signals.channel(new byte[8], "S16LE", 2, 2));
    }
}
