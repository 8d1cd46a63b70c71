package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

/** Bad input exits non-zero with one {@code error:} line naming the option, before anything is captured. */
class BadInputTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "--rate,       7,       sampleRate,     8000..384000",
        "--channels,   0,       channels,       1..32",
        "--packet-ms,  0,       packetDuration, 1..1000",
        "--backend,    alsa2,   backend,        '[auto, pulse, wasapi, tone]'",
        "--metrics-port, 70000, --metrics-port, 0..65535",
    })
    void anOutOfRangeValueExitsWithUsageStatusAndNamesTheOptionAndTheRange(String option, String value,
                                                                           String field, String range) {
        Path file = dir.resolve("bad.wav");
        Cli run = option.equals("--backend")
                ? Cli.run("record", "--output", file.toString(), option, value)
                : Cli.run("record", "--backend", "tone", "--output", file.toString(), option, value);
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        String first = run.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: " + option + " " + value + ": ") || first.startsWith("error: " + option),
                run::toString);
        assertTrue(first.contains(field), run::toString);
        assertTrue(first.contains(range), run::toString);
        assertFalse(Files.exists(file), "nothing is written for bad input");
    }

    @Test
    void anUnknownFormatIsAUsageErrorListingTheFormatsAndPrintsUsage() {
        Cli run = Cli.run("record", "--backend", "tone", "--output", dir.resolve("x.wav").toString(),
                "--format", "X");
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        String first = run.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: ") && first.contains("'--format'") && first.contains("S16LE, S32LE, F32LE")
                && first.contains("'X'"), run::toString);
        assertTrue(run.err().contains("Usage: panama-audio record"), run::toString);
    }

    @Test
    void anUnknownDeviceExitsWithUsageStatusNamingTheDeviceOption() {
        Cli run = Cli.run("record", "--backend", "tone", "--output", dir.resolve("x.wav").toString(),
                "--device", "no-such-source", "--duration", "1s");
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        String first = run.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: --device no-such-source: "), run::toString);
        assertTrue(first.contains("no device 'no-such-source'"), run::toString);
    }

    @Test
    void badDurationsAreUsageErrorsNamingTheOption() {
        for (String duration : new String[] {"0", "abc", "-3s", "2d"}) {
            Cli run = Cli.run("record", "--backend", "tone", "--output", dir.resolve("x.wav").toString(),
                    "--duration", duration);
            assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
            assertTrue(run.err().startsWith("error: Invalid value for option '--duration': "), run::toString);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "--default-input, --loopback,  '--loopback, --default-input'",
        "--app=A,         --device=x,  '--device=ID, --app=NAME|PID'",
        "--loopback,      --app=4242,  '--loopback, --app=NAME|PID'",
        "--default-source, --loopback, '--loopback, --default-source'",
    })
    void twoSourceSelectorsAreMutuallyExclusiveAndTheUsageListsTheSelectors(String first, String second,
                                                                           String named) {
        Cli run = Cli.run("record", "--backend", "tone", "--output", dir.resolve("x.wav").toString(), first, second);
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertTrue(run.err().startsWith("error: " + named + " are mutually exclusive"), run::toString);
        assertTrue(run.err().contains("What to capture (one of; default: --loopback"), run::toString);
        for (String selector : new String[] {"--loopback ", "--default-input ", "--device=ID ", "--app=NAME|PID "}) {
            assertTrue(run.err().contains("\n      " + selector), selector + " listed: " + run);
        }
        assertFalse(Files.exists(dir.resolve("x.wav")));
    }

    @ParameterizedTest(name = "--app ''{0}''")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "0          | error: --app 0: digits are a process id, allowed 1..4294967295",
        "4294967296 | error: --app 4294967296: digits are a process id, allowed 1..4294967295",
        "\"\"       | error: --app '': source.application has length 0, allowed 1..255",
    })
    void aBadAppValueIsAUsageErrorNamingAppAndWhatIsAllowed(String value, String message) {
        Path file = dir.resolve("app.wav");
        Cli run = Cli.run("record", "--backend", "tone", "--output", file.toString(), "--app", value);
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertTrue(run.err().startsWith(message), run::toString);
        assertFalse(Files.exists(file));
    }

    @Test
    void anAppOnTheToneBackendWhichHasNoApplicationsIsAUsageErrorNamingApp() {
        Path file = dir.resolve("app.wav");
        Cli run = Cli.run("record", "--backend", "tone", "--output", file.toString(), "--app", "firefox");
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertEquals(1, run.err().lines().count(), run::toString);
        assertTrue(run.err().startsWith("error: --app firefox: "), run::toString);
        assertTrue(run.err().contains("no applications"), run::toString);
        assertFalse(Files.exists(file), "no file for a stream that never opened");
    }

    @Test
    void anExplicitLoopbackOnTheToneBackendFailsRatherThanRecordingItsInput() {
        Path file = dir.resolve("loop.wav");
        Cli run = Cli.run("record", "--backend", "tone", "--output", file.toString(), "--loopback");
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertTrue(run.err().startsWith("error: --loopback: "), run::toString);
        assertTrue(run.err().contains("no outputs"), run::toString);
        assertFalse(Files.exists(file));
    }

    @Test
    void anEmptyDeviceIdIsAUsageErrorNamingDeviceAndTheLengthRange() {
        Cli run = Cli.run("record", "--backend", "tone", "--output", dir.resolve("x.wav").toString(),
                "--device", "");
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertTrue(run.err().startsWith("error: --device '': source.deviceId has length 0, allowed 1..1024"),
                run::toString);
    }

    @Test
    void serverWithTheToneBackendIsAUsageErrorNamingServer() {
        Cli run = Cli.run("devices", "--backend", "tone", "--server", "unix:/nowhere");
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertTrue(run.err().startsWith("error: --server unix:/nowhere: the tone backend has no server"),
                run::toString);
    }

    @Test
    void theDeprecatedDefaultSourceStillRecordsTheDefaultInputWithAWarning() {
        Path file = dir.resolve("old.wav");
        Cli run = Cli.run("record", "--backend", "tone", "--output", file.toString(), "--default-source",
                "--duration", "100ms");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.err().startsWith("warning: --default-source is deprecated; use --default-input"),
                run::toString);
        assertTrue(Files.exists(file));
    }

    @ParameterizedTest(name = "monitor --events {0}")
    @ValueSource(strings = {"--device=sine", "--loopback", "--app=A", "--rate=44100", "--format=F32LE",
            "--metrics-port=0"})
    void monitorEventsRejectsStreamOptionsNamingThem(String option) {
        Cli run = Cli.run("monitor", "--backend", "tone", "--events", "--duration", "1s", option);
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        String name = option.contains("=") ? option.substring(0, option.indexOf('=')) : option;
        assertTrue(run.err().startsWith("error: " + name + " does not apply to --events"), run::toString);
    }

    @Test
    void monitorJsonWithoutEventsIsAUsageError() {
        Cli run = Cli.run("monitor", "--backend", "tone", "--json", "--duration", "1s");
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertTrue(run.err().startsWith("error: --json applies to --events only"), run::toString);
    }

    @Test
    void aMissingOutputDirectoryIsAUsageErrorNamingOutput() {
        Path file = dir.resolve("missing/x.wav");
        Cli run = Cli.run("record", "--backend", "tone", "--output", file.toString());
        assertEquals(Main.EXIT_USAGE, run.status(), run::toString);
        assertTrue(run.err().startsWith("error: --output " + file + ": directory "), run::toString);
    }

    @Test
    void noServerIsARuntimeFailureWithOneErrorLine() {
        Cli run = Cli.run("devices", "--backend", "pulse", "--server", "unix:" + dir.resolve("nothing-here"));
        assertEquals(Main.EXIT_FAILURE, run.status(), run::toString);
        assertEquals(1, run.err().lines().count(), run::toString);
        assertTrue(run.err().startsWith("error: ") && run.err().contains("backend unavailable"), run::toString);
    }

    @Test
    void noCommandAndAnUnknownCommandPrintUsage() {
        Cli none = Cli.run();
        assertEquals(Main.EXIT_USAGE, none.status(), none::toString);
        assertTrue(none.err().startsWith("error: a command is required"), none::toString);
        Cli unknown = Cli.run("recrod");
        assertEquals(Main.EXIT_USAGE, unknown.status(), unknown::toString);
        assertTrue(unknown.err().contains("record"), unknown::toString);
    }
}
