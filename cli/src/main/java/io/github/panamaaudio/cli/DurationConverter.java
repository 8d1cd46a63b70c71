package io.github.panamaaudio.cli;

import picocli.CommandLine;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a duration as people type it: {@code 3} (seconds), {@code 3s},
 * {@code 1.5s}, {@code 500ms}, {@code 1m}, {@code 1h}. Must be positive and at
 * most a day.
 *
 * <p>Thread-safety: stateless, thread-safe.
 */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

    static final Duration MAX = Duration.ofDays(1);
    private static final Pattern SYNTAX = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    /**
     * @throws CommandLine.TypeConversionException with the accepted forms, if {@code value} is not one
     */
    static Duration parse(String value) {
        Matcher m = SYNTAX.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a duration; use e.g. 3 (seconds), 3s, 1.5s, 500ms, 1m");
        }
        String unit = m.group(2) == null ? "s" : m.group(2);
        long nanosPerUnit = switch (unit) {
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
        };
        BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit));
        if (nanos.compareTo(BigDecimal.ONE) < 0 || nanos.compareTo(BigDecimal.valueOf(MAX.toNanos())) > 0) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is outside the allowed range: 1 ns to 24h");
        }
        return Duration.ofNanos(nanos.longValue());
    }

    /** {@code round(sampleRate × duration)} frames, computed exactly. */
    static long frames(Duration duration, int sampleRate) {
        return BigDecimal.valueOf(duration.toNanos()).multiply(BigDecimal.valueOf(sampleRate))
                .divide(BigDecimal.valueOf(1_000_000_000L), 0, java.math.RoundingMode.HALF_UP)
                .longValueExact();
    }

    /** "3 s", "500 ms", "1.5 s": for messages. */
    static String format(Duration d) {
        if (d.toNanos() % 1_000_000_000L == 0) {
            return d.toSeconds() + " s";
        }
        if (d.toSeconds() == 0 && d.toNanos() % 1_000_000 == 0) {
            return d.toMillis() + " ms";
        }
        return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString() + " s";
    }
}
