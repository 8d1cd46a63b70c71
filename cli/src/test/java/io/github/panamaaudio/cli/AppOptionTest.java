package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.StreamConfig;
import io.github.panamaaudio.StreamConfig.Source.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code --app NAME|PID} and the other source selectors, as picocli and StreamOptions read them. */
class AppOptionTest {

    /** Parses a {@code record} command line without running it and returns the source it selects. */
    private static StreamConfig.Source sourceOf(String... args) {
        CommandLine cmd = Main.commandLine();
        CommandLine.ParseResult parsed = cmd.parseArgs(args);
        RecordCommand record = (RecordCommand) parsed.subcommand().commandSpec().userObject();
        return record.stream.toConfig("test").source();
    }

    @Test
    void digitsAreAProcessId() {
        StreamConfig.Source s = sourceOf("record", "-o", "x.wav", "--app", "4242");
        assertEquals(Kind.APPLICATION_PROCESS, s.kind());
        assertEquals(4242, s.processId());
        assertNull(s.application());
    }

    @Test
    void theLargestProcessIdIsAccepted() {
        assertEquals(StreamConfig.MAX_PROCESS_ID,
                sourceOf("record", "-o", "x.wav", "--app", Long.toString(StreamConfig.MAX_PROCESS_ID)).processId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"firefox", "A", "12ab", "spotify.exe", "Музыка", "-1", "1 2"})
    void anythingButDigitsIsAnApplicationNameOrBinary(String value) {
        StreamConfig.Source s = sourceOf("record", "-o", "x.wav", "--app", value);
        assertEquals(Kind.APPLICATION_NAME, s.kind());
        assertEquals(value, s.application());
        assertEquals(0, s.processId());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "4294967296", "99999999999999999999999"})
    void aProcessIdOutsideItsRangeNamesAppAndTheRange(String value) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sourceOf("record", "-o", "x.wav", "--app", value));
        assertEquals("--app " + value + ": digits are a process id, allowed 1..4294967295", e.getMessage());
    }

    @Test
    void anEmptyOrOverlongNameNamesAppAndWhatIsAllowed() {
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> sourceOf("record", "-o", "x.wav", "--app", ""));
        assertTrue(empty.getMessage().startsWith("--app '': "), empty::getMessage);
        assertTrue(empty.getMessage().contains("1..255"), empty::getMessage);
        assertTrue(empty.getMessage().contains("NAME|PID"), empty::getMessage);
        IllegalArgumentException longName = assertThrows(IllegalArgumentException.class,
                () -> sourceOf("record", "-o", "x.wav", "--app", "a".repeat(256)));
        assertTrue(longName.getMessage().contains("length 256, allowed 1..255"), longName::getMessage);
    }

    @Test
    void theSelectorsMapToTheLibrarysSources() {
        assertEquals(Kind.DEFAULT_OUTPUT, sourceOf("record", "-o", "x.wav").kind(), "the default is --loopback");
        assertEquals(Kind.DEFAULT_OUTPUT, sourceOf("record", "-o", "x.wav", "--loopback").kind());
        assertEquals(Kind.DEFAULT_INPUT, sourceOf("record", "-o", "x.wav", "--default-input").kind());
        assertEquals(Kind.DEFAULT_INPUT, sourceOf("record", "-o", "x.wav", "--default-source").kind(),
                "the deprecated alias");
        StreamConfig.Source device = sourceOf("record", "-o", "x.wav", "--device", "pac_sink");
        assertEquals(Kind.DEVICE, device.kind());
        assertEquals("pac_sink", device.deviceId());
    }

    @Test
    void theToneBackendWhichHasNoOutputsDefaultsToItsSineButAnExplicitLoopbackStaysALoopback() {
        assertEquals(Kind.DEFAULT_INPUT, sourceOf("record", "-o", "x.wav", "--backend", "tone").kind());
        assertEquals(Kind.DEFAULT_OUTPUT, sourceOf("record", "-o", "x.wav", "--backend", "tone", "--loopback").kind(),
                "never substitute: an asked-for loopback is not replaced by an input");
    }

    @Test
    void theDeprecatedAliasIsHiddenFromTheHelp() {
        String help = Main.commandLine().getSubcommands().get("record").getUsageMessage();
        assertTrue(help.contains("--default-input"), help);
        assertTrue(help.contains("--app=NAME|PID"), help);
        assertTrue(!help.contains("--default-source"), help);
    }
}
