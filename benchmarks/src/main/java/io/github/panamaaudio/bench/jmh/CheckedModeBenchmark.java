package io.github.panamaaudio.bench.jmh;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;

import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The price of {@code StreamConfig.builder().checked(true)} (use-after-close
 * detection): {@code next()} + {@code close()} of 3 840 B packets from the unpaced
 * tone pattern, checked off and on. Checked mode gives every lease its own packet
 * object and arena, so its extra time and bytes per packet are the point.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class CheckedModeBenchmark {

    @Param({"false", "true"})
    public boolean checked;

    private AudioCapture capture;
    private AudioStream stream;

    @Setup(Level.Trial)
    public void setUp() throws AudioException {
        capture = AudioCapture.builder().backend("tone").open();
        stream = capture.openStream(PacketShapes.patternStream(3_840, checked));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        capture.close();
    }

    @Benchmark
    public byte nextClose() throws AudioException {
        try (AudioPacket packet = stream.next()) {
            return packet.segment().get(ValueLayout.JAVA_BYTE, 3_839);
        }
    }
}
