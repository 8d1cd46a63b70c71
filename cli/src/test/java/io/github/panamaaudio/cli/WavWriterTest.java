package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.panamaaudio.SampleFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

class WavWriterTest {

    @TempDir
    Path dir;

    /** Bytes 0, 1, 2, ... (mod 256) as a stand-in for samples: any corruption or reordering shows. */
    private static byte[] sequence(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 7 + i / 256);
        }
        return b;
    }

    @Test
    void s16StereoFileReadsBackThroughJavaSoundWithItsFormatSizesAndExactBytes() throws Exception {
        Path file = dir.resolve("s16.wav");
        byte[] data = sequence(1000 * 4);
        try (WavWriter wav = WavWriter.create(file, SampleFormat.S16LE, 48_000, 2)) {
            wav.write(ByteBuffer.wrap(data, 0, 1200));                    // a heap buffer
            try (Arena arena = Arena.ofConfined()) {                      // an off-heap segment, as packets are
                MemorySegment segment = arena.allocate(data.length - 1200);
                MemorySegment.copy(data, 1200, segment, java.lang.foreign.ValueLayout.JAVA_BYTE, 0,
                        data.length - 1200);
                wav.write(segment.asReadOnly().asByteBuffer());
            }
            assertEquals(1000, wav.frames());
        }

        AudioFileFormat fileFormat = AudioSystem.getAudioFileFormat(file.toFile());
        AudioFormat format = fileFormat.getFormat();
        assertEquals(AudioFileFormat.Type.WAVE, fileFormat.getType());
        assertEquals(AudioFormat.Encoding.PCM_SIGNED, format.getEncoding());
        assertEquals(16, format.getSampleSizeInBits());
        assertEquals(2, format.getChannels());
        assertEquals(48_000f, format.getSampleRate());
        assertEquals(false, format.isBigEndian());
        assertEquals(1000, fileFormat.getFrameLength());
        assertEquals(44 + data.length, Files.size(file));
        assertEquals(44 + data.length, fileFormat.getByteLength());
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            assertArrayEquals(data, in.readAllBytes());
        }
        ByteBuffer header = header(file, 44);
        assertEquals("RIFF", ascii(header, 0));
        assertEquals(36 + data.length, header.getInt(4));
        assertEquals("WAVE", ascii(header, 8));
        assertEquals("data", ascii(header, 36));
        assertEquals(data.length, header.getInt(40));
    }

    @Test
    void s32MonoFileReadsBackThroughJavaSoundAsThirtyTwoBitPcm() throws Exception {
        Path file = dir.resolve("s32.wav");
        byte[] data = sequence(441 * 4);
        try (WavWriter wav = WavWriter.create(file, SampleFormat.S32LE, 44_100, 1)) {
            wav.write(ByteBuffer.allocateDirect(data.length).put(data).flip());
        }
        AudioFileFormat fileFormat = AudioSystem.getAudioFileFormat(file.toFile());
        AudioFormat format = fileFormat.getFormat();
        assertEquals(AudioFormat.Encoding.PCM_SIGNED, format.getEncoding());
        assertEquals(32, format.getSampleSizeInBits());
        assertEquals(1, format.getChannels());
        assertEquals(44_100f, format.getSampleRate());
        assertEquals(441, fileFormat.getFrameLength());
        assertEquals(44 + data.length, Files.size(file));
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            assertArrayEquals(data, in.readAllBytes());
        }
    }

    @Test
    void f32FileHasFloatTagEighteenByteFmtAndFactChunkAndReadsBackAsPcmFloat() throws Exception {
        Path file = dir.resolve("f32.wav");
        ByteBuffer samples = ByteBuffer.allocate(300 * 2 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 600; i++) {
            samples.putFloat((float) Math.sin(i / 10.0) * 0.5f);
        }
        byte[] data = samples.array();
        try (WavWriter wav = WavWriter.create(file, SampleFormat.F32LE, 48_000, 2)) {
            assertEquals(58, wav.headerBytes());
            wav.write(ByteBuffer.wrap(data));
        }
        assertEquals(58 + data.length, Files.size(file));
        ByteBuffer header = header(file, 58);
        assertEquals("RIFF", ascii(header, 0));
        assertEquals(50 + data.length, header.getInt(4));
        assertEquals("fmt ", ascii(header, 12));
        assertEquals(18, header.getInt(16));
        assertEquals(3, header.getShort(20));                 // WAVE_FORMAT_IEEE_FLOAT
        assertEquals(2, header.getShort(22));
        assertEquals(48_000, header.getInt(24));
        assertEquals(48_000 * 8, header.getInt(28));
        assertEquals(8, header.getShort(32));
        assertEquals(32, header.getShort(34));
        assertEquals(0, header.getShort(36));                 // cbSize
        assertEquals("fact", ascii(header, 38));
        assertEquals(300, header.getInt(46));                 // frames
        assertEquals("data", ascii(header, 50));
        assertEquals(data.length, header.getInt(54));

        AudioFileFormat fileFormat = AudioSystem.getAudioFileFormat(file.toFile());
        assertEquals(AudioFormat.Encoding.PCM_FLOAT, fileFormat.getFormat().getEncoding());
        assertEquals(300, fileFormat.getFrameLength());
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            assertArrayEquals(data, in.readAllBytes());
        }
    }

    @Test
    void aWriterClosedWithoutSamplesLeavesAValidEmptyFile() throws Exception {
        Path file = dir.resolve("empty.wav");
        WavWriter.create(file, SampleFormat.S16LE, 8_000, 1).close();
        AudioFileFormat fileFormat = AudioSystem.getAudioFileFormat(file.toFile());
        assertEquals(0, fileFormat.getFrameLength());
        assertEquals(44, Files.size(file));
    }

    @Test
    void sizesArePatchedOnlyAtFinishAndStayAfterASecondCloseOrFinish() throws Exception {
        Path file = dir.resolve("patch.wav");
        WavWriter wav = WavWriter.create(file, SampleFormat.S16LE, 8_000, 1);
        wav.write(ByteBuffer.wrap(sequence(200)));
        assertEquals(0, header(file, 44).getInt(40), "data size is a placeholder until finish");
        wav.finish();
        assertEquals(200, header(file, 44).getInt(40));
        assertEquals(236, header(file, 44).getInt(4));
        wav.finish();
        wav.close();
        wav.close();
        assertEquals(244, Files.size(file));
        assertEquals(100, AudioSystem.getAudioFileFormat(file.toFile()).getFrameLength());
    }

    @Test
    void partialFramesAndWritesAfterFinishAreRefused() throws Exception {
        try (WavWriter wav = WavWriter.create(dir.resolve("refuse.wav"), SampleFormat.S32LE, 48_000, 2)) {
            IllegalArgumentException partial =
                    assertThrows(IllegalArgumentException.class, () -> wav.write(ByteBuffer.allocate(12)));
            assertEquals("12 bytes are not a whole number of 8-byte frames", partial.getMessage());
            wav.write(ByteBuffer.allocate(16));
            wav.finish();
            assertThrows(IllegalStateException.class, () -> wav.write(ByteBuffer.allocate(8)));
            assertEquals(2, wav.frames());
        }
    }

    @Test
    void theLargestDataChunkKeepsEveryRiffSizeWithin32BitsAndWholeFrames() {
        long s16 = WavWriter.maxDataBytes(SampleFormat.S16LE, 2);
        assertEquals(0, s16 % 4);
        assertEquals(true, s16 + 36 <= 0xFFFF_FFFFL && s16 + 36 + 4 > 0xFFFF_FFFFL);
        long f32 = WavWriter.maxDataBytes(SampleFormat.F32LE, 6);
        assertEquals(0, f32 % 24);
        assertEquals(true, f32 + 50 <= 0xFFFF_FFFFL && f32 + 50 + 24 > 0xFFFF_FFFFL);
    }

    @Test
    void invalidRatesAndChannelCountsAreRefusedBeforeTheFileIsCreated() {
        Path file = dir.resolve("never.wav");
        assertThrows(IllegalArgumentException.class, () -> WavWriter.create(file, SampleFormat.S16LE, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> WavWriter.create(file, SampleFormat.S16LE, 48_000, 0));
        assertEquals(false, Files.exists(file));
    }

    private static ByteBuffer header(Path file, int length) throws Exception {
        byte[] all = Files.readAllBytes(file);
        return ByteBuffer.wrap(all, 0, length).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static String ascii(ByteBuffer b, int offset) {
        byte[] four = new byte[4];
        b.get(offset, four);
        return new String(four, StandardCharsets.US_ASCII);
    }
}
