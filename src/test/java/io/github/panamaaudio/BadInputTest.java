package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.panamaaudio.testing.PulseServer;
import io.github.panamaaudio.testing.PulseServerExtension;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property-based tests of bad input, with JUnit's parameterized sources and a seeded
 * {@link Random} (the same cases every run; a failing case names its seed):
 * <ul>
 *   <li>{@value #BUILDER_CASES} random builder programs over every field of
 *       {@link StreamConfig.Builder} and {@link AudioCapture.Builder} (extreme and
 *       random ints, durations, doubles and strings) end in a built config or in an
 *       exception that names the field, exactly when an independent model of the
 *       documented ranges says so;</li>
 *   <li>~300 device names (empty, huge, decoded from invalid UTF-8, unpaired
 *       surrogates, control characters, monitors of missing sinks, ...) opened
 *       against the private PulseAudio server end, within seconds, in a stream or in
 *       {@link AudioException.Kind#DEVICE_NOT_FOUND}, or are rejected by the
 *       builder;</li>
 *   <li>in a fresh JVM, all builder cases run without the C shim ever being mapped
 *       into the process: validation happens before anything off-heap is touched.</li>
 * </ul>
 */
@ExtendWith(PulseServerExtension.class)
class BadInputTest {

    static final long SEED = 0x5EED_0004L;
    static final int BUILDER_CASES = 2_000;
    static final int GENERATED_DEVICE_CASES = 270;
    private static final String SHIM_LIBRARY = "libpanamaaudio";

    private static AudioCapture capture;

    @BeforeAll
    static void connect(PulseServer server) throws AudioException {
        capture = AudioCapture.builder().backend("pulse").option("server", server.address()).open();
    }

    @AfterAll
    static void disconnect() {
        if (capture != null) {
            capture.close();
        }
    }

    // ------------------------------------------------------------------ builder cases

    static Stream<Arguments> builderCases() {
        Random seeds = new Random(SEED);
        return IntStream.range(0, BUILDER_CASES).mapToObj(i -> Arguments.of(i, seeds.nextLong()));
    }

    @ParameterizedTest(name = "builder case {0} (seed {1})")
    @MethodSource("builderCases")
    void everyBuilderProgramBuildsOrNamesTheRejectedField(int index, long seed) {
        runBuilderCase(seed);
    }

    /** Outcome of one builder program. */
    enum BuilderOutcome { BUILT, REJECTED_AT_BUILD }

    /**
     * Runs 1..8 random setter calls and then build(), checking each step against
     * {@link Model}. Used by the parameterized test and by {@link FreshJvm}.
     */
    static BuilderOutcome runBuilderCase(long seed) {
        Random r = new Random(seed);
        Model model = new Model();
        StreamConfig.Builder builder = StreamConfig.builder();
        AudioCapture.Builder captureBuilder = AudioCapture.builder();
        int steps = 1 + r.nextInt(8);
        for (int step = 0; step < steps; step++) {
            switch (r.nextInt(17)) {
                case 0 -> {
                    int v = anyInt(r, StreamConfig.MIN_SAMPLE_RATE, StreamConfig.MAX_SAMPLE_RATE);
                    expect(in(v, 8_000, 384_000), "sampleRate", () -> builder.sampleRate(v), () -> model.sampleRate = v);
                }
                case 1 -> {
                    int v = anyInt(r, StreamConfig.MIN_CHANNELS, StreamConfig.MAX_CHANNELS);
                    expect(in(v, 1, 32), "channels", () -> builder.channels(v), () -> model.channels = v);
                }
                case 2 -> {
                    Duration d = anyDuration(r, 1, 1000);
                    expect(in(d, 1, 1000), "packetDuration", () -> builder.packetDuration(d), () -> model.packet = d);
                }
                case 3 -> {
                    Duration d = anyDuration(r, 10, 60_000);
                    expect(in(d, 10, 60_000), "bufferDuration", () -> builder.bufferDuration(d),
                            () -> model.buffer = d);
                }
                case 4 -> {
                    int v = anyInt(r, 1, StreamConfig.MAX_SEGMENTS_LIMIT);
                    expect(in(v, 1, 65_536), "initialSegments", () -> builder.initialSegments(v),
                            () -> model.initialSegments = v);
                }
                case 5 -> {
                    int v = anyInt(r, 1, StreamConfig.MAX_SEGMENTS_LIMIT);
                    expect(in(v, 1, 65_536), "maxSegments", () -> builder.maxSegments(v),
                            () -> model.maxSegments = v);
                }
                case 6 -> {
                    String s = anyString(r);
                    expect(isValidLabel(s), "name", () -> builder.name(s), () -> model.name = s);
                }
                case 7 -> {
                    String s = anyString(r);
                    expect(isValidDeviceName(s), "source.deviceId", () -> builder.device(s),
                            () -> model.source = StreamConfig.Source.device(s));
                }
                case 8 -> {
                    StreamConfig.Source.Kind kind = StreamConfig.Source.Kind.values()[r.nextInt(2)];
                    String s = r.nextBoolean() ? null : anyString(r);
                    boolean valid = s == null;
                    StreamConfig.Source[] made = new StreamConfig.Source[1];
                    expect(valid, "source.deviceId",
                            () -> builder.source(made[0] = new StreamConfig.Source(kind, s, 0, null)),
                            () -> model.source = made[0]);
                }
                case 9 -> {
                    SampleFormat f = r.nextInt(10) == 0 ? null : SampleFormat.values()[r.nextInt(3)];
                    expect(f != null, "format", () -> builder.format(f), () -> model.format = f);
                }
                case 10 -> {
                    long pid = r.nextInt(4) == 0 ? r.nextLong() : r.nextLong(-10, 1L << 33);
                    boolean valid = pid >= 1 && pid <= 0xFFFF_FFFFL;
                    StreamConfig.Source[] made = new StreamConfig.Source[1];
                    expect(valid, "source.processId",
                            () -> builder.source(made[0] = StreamConfig.Source.application(pid)),
                            () -> model.source = made[0]);
                }
                case 11 -> {
                    String s = anyString(r);
                    boolean valid = s != null && isValidText(s, StreamConfig.MAX_APPLICATION_NAME_LENGTH);
                    StreamConfig.Source[] made = new StreamConfig.Source[1];
                    expect(valid, "source.application",
                            () -> builder.source(made[0] = StreamConfig.Source.application(s)),
                            () -> model.source = made[0]);
                }
                case 12 -> {
                    boolean checked = r.nextBoolean();
                    builder.checked(checked);
                    model.checked = checked;
                }
                case 13 -> {
                    String s = r.nextBoolean() ? anyString(r)
                            : pick(r, "auto", "pulse", "tone", "PULSE", "Tone", "alsa", "wasapi", "", " tone");
                    expect(s != null && List.of("auto", "pulse", "tone").contains(s.toLowerCase(Locale.ROOT)),
                            "backend", () -> captureBuilder.backend(s), () -> { });
                }
                case 14 -> {
                    String s = anyString(r);
                    boolean valid = s == null || (!s.isBlank() && s.indexOf(0) < 0 && s.indexOf('\n') < 0);
                    // checked at open(): the builder takes any value, open() names the option
                    captureBuilder.option("server", s);
                    if (!valid) {
                        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                () -> AudioCapture.builder().backend("pulse").option("server", s).open());
                        assertTrue(e.getMessage().startsWith("option server = "), e.getMessage());
                    }
                    captureBuilder.option("server", null);
                }
                case 15 -> {
                    String s = anyString(r);
                    expect(s != null && !s.isEmpty() && s.length() <= 128 && s.chars().noneMatch(BadInputTest::isControl),
                            "applicationName", () -> captureBuilder.applicationName(s), () -> { });
                }
                default -> {
                    Duration d = anyDuration(r, 1, 300_000);
                    expect(in(d, 1, 300_000), "timeout", () -> captureBuilder.timeout(d), () -> { });
                }
            }
        }
        if (model.initialSegments > model.maxSegments) {
            expectRejected("initialSegments", builder::build);
            return BuilderOutcome.REJECTED_AT_BUILD;
        }
        StreamConfig config = assertDoesNotThrow(builder::build, "build() of a model-valid builder");
        model.assertMatches(config);
        return BuilderOutcome.BUILT;
    }

    /**
     * The documented rules, written out independently of StreamConfig's code. The
     * defaults are whatever a fresh builder builds: this test is about validation.
     */
    private static final class Model {
        private static final StreamConfig DEFAULTS = StreamConfig.builder().build();
        StreamConfig.Source source = DEFAULTS.source();
        SampleFormat format = DEFAULTS.format();
        int sampleRate = DEFAULTS.sampleRate();
        int channels = DEFAULTS.channels();
        Duration packet = DEFAULTS.packetDuration();
        Duration buffer = DEFAULTS.bufferDuration();
        int initialSegments = DEFAULTS.initialSegments();
        int maxSegments = DEFAULTS.maxSegments();
        String name = DEFAULTS.name();
        boolean checked = DEFAULTS.checked();

        void assertMatches(StreamConfig c) {
            assertEquals(source, c.source());
            assertEquals(format, c.format());
            assertEquals(sampleRate, c.sampleRate());
            assertEquals(channels, c.channels());
            assertEquals(packet, c.packetDuration());
            assertEquals(buffer, c.bufferDuration());
            assertEquals(initialSegments, c.initialSegments());
            assertEquals(maxSegments, c.maxSegments());
            assertEquals(name, c.name());
            assertEquals(checked, c.checked());
            long frames = Math.max(1, Math.round(sampleRate * (packet.toNanos() / 1e9)));
            assertEquals(frames, c.packetFrames(), "packetFrames");
            long bytes = frames * channels * format.bytesPerSample();
            assertEquals(bytes, c.packetBytes(), "packetBytes");
            assertTrue(bytes > 0 && bytes <= 384_000L * 32 * 4, "packetBytes in range: " + bytes);
        }
    }

    private static boolean in(int v, int lo, int hi) {
        return v >= lo && v <= hi;
    }

    private static boolean in(Duration d, int loMillis, int hiMillis) {
        return d != null && d.compareTo(Duration.ofMillis(loMillis)) >= 0 && d.compareTo(Duration.ofMillis(hiMillis)) <= 0;
    }

    private static boolean isControl(int c) {
        return c < 0x20 || c == 0x7f;
    }

    private static boolean isValidLabel(String s) {
        if (s == null || s.isEmpty() || s.length() > 64) {
            return false;
        }
        for (char c : s.toCharArray()) {
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** 1..1024 UTF-16 chars, no C0 control or DEL, every surrogate in a proper pair. */
    static boolean isValidDeviceName(String s) {
        return isValidText(s, 1024);
    }

    static boolean isValidText(String s, int maxLength) {
        if (s == null || s.isEmpty() || s.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (isControl(c)) {
                return false;
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@code call}; if {@code valid} it must succeed (then {@code apply} updates
     * the model), otherwise it must throw an exception naming {@code field}.
     */
    private static void expect(boolean valid, String field, Runnable call, Runnable apply) {
        if (valid) {
            assertDoesNotThrow(call::run, field + " with a valid value");
            apply.run();
        } else {
            expectRejected(field, call);
        }
    }

    /**
     * An invalid value gives {@link IllegalArgumentException} whose message starts
     * with the field name; a null where one is not allowed gives
     * {@link NullPointerException} whose message is the field name (Objects.requireNonNull).
     */
    private static void expectRejected(String field, Runnable call) {
        RuntimeException e = assertThrows(RuntimeException.class, call::run, field + " must be rejected");
        boolean named = e instanceof IllegalArgumentException
                ? e.getMessage() != null && e.getMessage().startsWith(field + " ")
                : e instanceof NullPointerException && field.equals(e.getMessage());
        if (!named) {
            throw new AssertionError("rejection of " + field + " does not name it: " + e, e);
        }
    }

    /**
     * Reproducer of a bug the generated cases found: durations longer than
     * {@code Long.MAX_VALUE} ns (~292 years) made the range message call
     * {@link Duration#toNanos()}, which threw {@link ArithmeticException} instead of the
     * {@link IllegalArgumentException} naming the field.
     */
    @Test
    void durationsTooLongForNanosecondsAreRejectedNamingTheField() {
        expectRejected("packetDuration", () -> StreamConfig.builder().packetDuration(Duration.ofSeconds(Long.MAX_VALUE)));
        expectRejected("bufferDuration", () -> StreamConfig.builder().bufferDuration(Duration.ofDays(-365L * 300)));
        expectRejected("timeout", () -> AudioCapture.builder().timeout(Duration.ofSeconds(Long.MIN_VALUE)));
    }

    // ------------------------------------------------------------------ value generators

    private static final int[] INT_EXTREMES = {
        Integer.MIN_VALUE, Integer.MIN_VALUE + 1, -65_537, -1, 0, 1, 2, 65_535, 65_536, 65_537,
        Integer.MAX_VALUE - 1, Integer.MAX_VALUE,
    };

    /** Extremes, anything, the edges of [lo, hi] and values inside it. */
    static int anyInt(Random r, int lo, int hi) {
        return switch (r.nextInt(6)) {
            case 0 -> INT_EXTREMES[r.nextInt(INT_EXTREMES.length)];
            case 1 -> r.nextInt();
            case 2 -> lo + r.nextInt(3) - 1;
            case 3 -> hi + r.nextInt(3) - 1;
            default -> lo + r.nextInt(hi - lo + 1);
        };
    }

    /** Null, zero, negatives, nanosecond edges of [lo, hi] ms, centuries, and values inside. */
    static Duration anyDuration(Random r, int loMillis, int hiMillis) {
        Duration lo = Duration.ofMillis(loMillis);
        Duration hi = Duration.ofMillis(hiMillis);
        return switch (r.nextInt(8)) {
            case 0 -> r.nextInt(4) == 0 ? null : Duration.ZERO;
            case 1 -> Duration.ofNanos(r.nextLong());
            case 2 -> pick(r, lo.minusNanos(1), lo, lo.plusNanos(1), hi.minusNanos(1), hi, hi.plusNanos(1),
                    Duration.ofNanos(-1), Duration.ofNanos(1), Duration.ofMillis(-loMillis),
                    Duration.ofSeconds(Long.MAX_VALUE / 1000), Duration.ofSeconds(-Long.MAX_VALUE / 1000));
            case 3 -> Duration.ofMillis(r.nextInt());
            default -> Duration.ofNanos(lo.toNanos() - 1_000_000 + (long) (r.nextDouble() * (hi.toNanos() - lo.toNanos() + 2_000_000)));
        };
    }

    /** NaN, infinities, signed zeros, tiny and huge values, edges of [0, hi] and values inside. */
    static double anyDouble(Random r, double hi) {
        return switch (r.nextInt(5)) {
            case 0 -> pickDouble(r, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0,
                    Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, hi, Math.nextUp(hi),
                    Math.nextDown(hi));
            case 1 -> Double.longBitsToDouble(r.nextLong()); // any bit pattern, NaNs included
            case 2 -> (r.nextDouble() * 4 - 2) * hi;
            default -> r.nextDouble() * hi;
        };
    }

    private static final String LABEL_CHARS = "ABCXYZabcxyz0189._-";

    /**
     * Strings of every kind a caller could pass: empty, label-like, printable, random
     * UTF-16 units (lone surrogates included), with control characters, decoded from
     * bytes that are not UTF-8, huge, shell and printf metacharacters, PulseAudio's
     * special names, numbers (PulseAudio also looks sources up by index), and monitors
     * of sinks that do not exist.
     */
    static String anyString(Random r) {
        return switch (r.nextInt(13)) {
            case 0 -> r.nextInt(4) == 0 ? null : "";
            case 1 -> randomFrom(r, LABEL_CHARS, 1 + r.nextInt(70));
            case 2 -> printable(r, 1 + r.nextInt(200));
            case 3 -> {
                char[] units = new char[1 + r.nextInt(40)];
                for (int i = 0; i < units.length; i++) {
                    units[i] = (char) r.nextInt(0x10000);
                }
                yield new String(units);
            }
            case 4 -> {
                StringBuilder s = new StringBuilder(printable(r, 1 + r.nextInt(30)));
                char control = r.nextInt(8) == 0 ? (char) 0x7f : (char) r.nextInt(0x20);
                s.insert(r.nextInt(s.length() + 1), control);
                yield s.toString();
            }
            case 5 -> {
                String lone = pick(r, "\uD800", "\uDBFF", "\uDC00", "\uDFFF", "\uDC00\uD800", "\uD83C");
                StringBuilder s = new StringBuilder(printable(r, r.nextInt(20)));
                s.insert(r.nextInt(s.length() + 1), lone);
                yield s.toString();
            }
            case 6 -> "\uD83C\uDFA4".repeat(1 + r.nextInt(600)) + pick(r, "", "x", ".monitor");
            case 7 -> {
                // cutting "\uD83C\uDFA4" at an odd length leaves a lone high surrogate: one more bad case
                String unit = pick(r, "x", "\u00e9", "\uD83C\uDFA4", "a.");
                int length = pickInt(r, 127, 128, 129, 255, 256, 1023, 1024, 1025, 4096, 65_536, 1_000_000);
                yield unit.repeat(length / unit.length() + 1).substring(0, length);
            }
            case 8 -> {
                byte[] bytes = new byte[1 + r.nextInt(64)];
                r.nextBytes(bytes);
                yield new String(bytes, r.nextBoolean() ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            }
            case 9 -> pick(r, "%s%s%s%n", "%.9999d", "'; rm -rf / #", "$(id)", "`id`", "\\", "..", "/dev/null",
                    "@DEFAULT_SOURCE@", "@DEFAULT_SINK@", "@DEFAULT_MONITOR@", "@DEFAULT_SINK@.monitor", "*", "?",
                    "\u0085", "\u200B", "\uFEFF", "\u202Epac_sine", " ", "\u3000", "pac_sine ", " pac_sine",
                    "PAC_SINE", "pac_sine.monitor", "pac_sink");
            case 10 -> pick(r, "0", "1", "2", "3", "99", "-1", "4294967295", "4294967296", "00", "+1", "0x1",
                    Integer.toString(r.nextInt(100)), Long.toString(r.nextLong()));
            case 11 -> "missing_" + Integer.toHexString(r.nextInt()) + ".monitor";
            default -> randomFrom(r, "abcdefghijklmnopqrstuvwxyz_.-", 1 + r.nextInt(40))
                    + pick(r, "", ".monitor", ".analog-stereo");
        };
    }

    private static String printable(Random r, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append((char) (0x20 + r.nextInt(0x5f)));
        }
        return s.toString();
    }

    private static String randomFrom(Random r, String alphabet, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }

    private static int pickInt(Random r, int... choices) {
        return choices[r.nextInt(choices.length)];
    }

    private static double pickDouble(Random r, double... choices) {
        return choices[r.nextInt(choices.length)];
    }

    // ------------------------------------------------------------------ device names against a real server

    /** What opening a device name must end in. */
    enum Expected { STREAM, NOT_FOUND, STREAM_OR_NOT_FOUND, REJECTED_BY_BUILDER }

    static Stream<Arguments> deviceNames() {
        List<Object[]> cases = new ArrayList<>();
        // Names whose outcome is known on the private server.
        cases.add(new Object[] {PulseServer.SINE_SOURCE, Expected.STREAM});
        cases.add(new Object[] {PulseServer.SINK + ".monitor", Expected.STREAM});
        cases.add(new Object[] {"@DEFAULT_SOURCE@", Expected.STREAM});
        cases.add(new Object[] {"@DEFAULT_MONITOR@", Expected.STREAM});
        cases.add(new Object[] {"missing_sink.monitor", Expected.NOT_FOUND});
        cases.add(new Object[] {PulseServer.SINE_SOURCE + ".monitor", Expected.NOT_FOUND});
        cases.add(new Object[] {"PAC_SINE", Expected.NOT_FOUND});
        cases.add(new Object[] {"pac_sine ", Expected.NOT_FOUND});
        cases.add(new Object[] {" pac_sine", Expected.NOT_FOUND});
        cases.add(new Object[] {"pac_si\u00adne", Expected.NOT_FOUND});
        cases.add(new Object[] {"x".repeat(1024), Expected.NOT_FOUND});
        cases.add(new Object[] {"\u00e9".repeat(1024), Expected.NOT_FOUND});
        cases.add(new Object[] {"\uD83C\uDFA4".repeat(512), Expected.NOT_FOUND});
        cases.add(new Object[] {"%s%s%s%s%n", Expected.NOT_FOUND});
        cases.add(new Object[] {"\u0085\u009f", Expected.NOT_FOUND});
        cases.add(new Object[] {"\u200B", Expected.NOT_FOUND});
        cases.add(new Object[] {"\uFFFD\uFFFD", Expected.NOT_FOUND});
        cases.add(new Object[] {"4294967295", Expected.NOT_FOUND});
        cases.add(new Object[] {"0", Expected.STREAM_OR_NOT_FOUND});
        cases.add(new Object[] {"", Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"x".repeat(1025), Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"x".repeat(1_000_000), Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"pac\u0000sine", Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"pac_sine\n", Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"\u007f", Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"pac\uD800sine", Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"\uDC00\uD800", Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"\uD83C", Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"pac_sine\t", Expected.REJECTED_BY_BUILDER});
        cases.add(new Object[] {"\u001b[31mred", Expected.REJECTED_BY_BUILDER});
        // Generated names: the builder decides by its rules; the server by what exists.
        Random r = new Random(SEED ^ 0xDE71CEL);
        for (int i = 0; i < GENERATED_DEVICE_CASES; i++) {
            String name;
            do {
                name = anyString(r);
            } while (name == null);
            cases.add(new Object[] {name, isValidDeviceName(name) ? Expected.STREAM_OR_NOT_FOUND
                    : Expected.REJECTED_BY_BUILDER});
        }
        return IntStream.range(0, cases.size()).mapToObj(i -> Arguments.of(i, describe((String) cases.get(i)[0]),
                cases.get(i)[0], cases.get(i)[1]));
    }

    /** A short, printable rendering of a name for the test's display name. */
    private static String describe(String s) {
        StringBuilder d = new StringBuilder("\"");
        s.chars().limit(40).forEach(c -> d.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                : String.format("\\u%04x", c)));
        d.append(s.length() > 40 ? "\"... (" + s.length() + " chars)" : "\"");
        return d.toString();
    }

    @ParameterizedTest(name = "device case {0}: {1}")
    @MethodSource("deviceNames")
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyDeviceNameGivesAStreamOrDeviceNotFoundWithinSeconds(int index, String shown, String name,
                                                                   Expected expected) {
        StreamConfig config;
        try {
            config = StreamConfig.builder().device(name).build();
        } catch (IllegalArgumentException e) {
            assertEquals(Expected.REJECTED_BY_BUILDER, expected, "builder rejected " + shown + ": " + e.getMessage());
            assertTrue(e.getMessage().startsWith("source.deviceId "), e.getMessage());
            return;
        }
        assertTrue(expected != Expected.REJECTED_BY_BUILDER, "builder accepted " + shown);
        Expected actual = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try (AudioStream stream = capture.openStream(config)) {
                assertEquals("pulse", stream.backend());
                return Expected.STREAM;
            } catch (AudioException e) {
                assertEquals(AudioException.Kind.DEVICE_NOT_FOUND, e.kind(), "opening " + shown + ": " + e);
                return Expected.NOT_FOUND;
            }
        }, "opening " + shown);
        if (expected != Expected.STREAM_OR_NOT_FOUND) {
            assertEquals(expected, actual, "opening " + shown);
        }
        assertEquals(List.of(), capture.openStreams(), "closed streams are forgotten");
    }

    // ------------------------------------------------------------------ nothing off-heap before validation

    /**
     * Runs every builder case in a fresh JVM, then checks that the C shim was never
     * mapped into that process; then opens a tone stream there, after which it must be
     * (which proves the check can see it).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void validationRunsBeforeTheShimIsEverLoaded() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), FreshJvm.class.getName())
                .redirectErrorStream(true);
        Process process = pb.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(100, TimeUnit.SECONDS), "fresh JVM finished");
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("cases=" + BUILDER_CASES + " "), output);
        assertTrue(output.contains("shimMappedAfterValidation=false"), output);
        assertTrue(output.contains("shimMappedAfterOpen=true"), output);
        assertTrue(output.contains(" failed=0 "), "every case as in the parameterized test: " + output);
    }

    /** Whether the C shim is mapped into this process. */
    static boolean shimMapped() throws IOException {
        return Files.readString(Path.of("/proc/self/maps")).contains(SHIM_LIBRARY);
    }

    /** The child JVM of {@link #validationRunsBeforeTheShimIsEverLoaded()}. */
    static final class FreshJvm {
        public static void main(String[] args) throws Exception {
            if (shimMapped()) {
                throw new AssertionError("the shim is mapped before anything ran");
            }
            Random seeds = new Random(SEED);
            int built = 0;
            int rejectedAtBuild = 0;
            List<String> failed = new ArrayList<>(); // reported by the parameterized test in detail
            for (int i = 0; i < BUILDER_CASES; i++) {
                long seed = seeds.nextLong();
                try {
                    if (runBuilderCase(seed) == BuilderOutcome.BUILT) {
                        built++;
                    } else {
                        rejectedAtBuild++;
                    }
                } catch (AssertionError e) {
                    failed.add("case " + i + ": " + e.getMessage());
                }
            }
            // the capture builder's own validation, including a backend that does not exist
            Consumer<Runnable> rejected = call -> assertThrows(IllegalArgumentException.class, call::run);
            rejected.accept(() -> AudioCapture.builder().backend("alsa"));
            rejected.accept(() -> AudioCapture.builder().timeout(Duration.ofDays(1)));
            boolean afterValidation = shimMapped();
            try (AudioCapture tone = AudioCapture.builder().backend("tone").open();
                 AudioStream stream = tone.openStream(StreamConfig.builder().device("sine?paced=false").build());
                 AudioPacket packet = stream.next()) {
                if (packet.frames() != stream.config().packetFrames()) {
                    fail("unexpected packet " + packet);
                }
            }
            System.out.println("cases=" + BUILDER_CASES + " built=" + built + " rejectedAtBuild=" + rejectedAtBuild
                    + " failed=" + failed.size() + " shimMappedAfterValidation=" + afterValidation
                    + " shimMappedAfterOpen=" + shimMapped());
            failed.stream().limit(5).forEach(System.out::println);
            if (built < BUILDER_CASES / 10) {
                throw new AssertionError("too few cases reach build(): " + built + "; the generator is off");
            }
        }
    }
}
