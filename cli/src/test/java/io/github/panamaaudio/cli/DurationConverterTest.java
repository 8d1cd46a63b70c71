package io.github.panamaaudio.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.time.Duration;

class DurationConverterTest {

    @ParameterizedTest(name = "{0} = {1} ms")
    @CsvSource({"3, 3000", "3s, 3000", "1.5s, 1500", "500ms, 500", "1m, 60000", "2h, 7200000", " 10 s , 10000",
            "0.25, 250"})
    void acceptsPlainSecondsAndUnitSuffixes(String text, long millis) {
        assertEquals(Duration.ofMillis(millis), DurationConverter.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "abc", "-1s", "3 seconds", "1e3", "0", "0ms", "25h"})
    void rejectsWhatIsNotAPositiveDurationOfAtMostADay(String text) {
        assertThrows(CommandLine.TypeConversionException.class, () -> DurationConverter.parse(text));
    }

    @Test
    void framesAreTheRoundedProductOfRateAndDuration() {
        assertEquals(144_000, DurationConverter.frames(Duration.ofSeconds(3), 48_000));
        assertEquals(22_050, DurationConverter.frames(Duration.ofMillis(500), 44_100));
        assertEquals(1, DurationConverter.frames(Duration.ofNanos(62_500), 8_000)); // 0.5 frame rounds up
        assertEquals(33_177_600_000L, DurationConverter.frames(Duration.ofDays(1), 384_000));
    }
}
