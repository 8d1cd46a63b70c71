package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library talks to C through the FFM API only. This is the issue's {@code grep -r}
 * acceptance check as a test: no native-method modifiers, no JNI headers — and,
 * since grep cannot tell prose from code, not the phrase either.
 */
class NoJniTest {

    // built by concatenation so this file does not match itself
    private static final List<String> FORBIDDEN = List.of("nat" + "ive ", "JNI" + "Env", "jni" + ".h");

    @Test
    void noFileUnderSrcMentionsNativeMethodsOrJni() throws IOException {
        List<String> offenders;
        try (Stream<Path> files = Files.walk(Path.of("src"))) {
            offenders = files.filter(Files::isRegularFile)
                    .flatMap(p -> {
                        try {
                            List<String> lines = Files.readAllLines(p);
                            return java.util.stream.IntStream.range(0, lines.size())
                                    .filter(i -> FORBIDDEN.stream().anyMatch(lines.get(i)::contains))
                                    .mapToObj(i -> p + ":" + (i + 1) + ": " + lines.get(i).strip());
                        } catch (java.nio.charset.MalformedInputException e) {
                            return Stream.empty(); // binary fixtures
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
        assertEquals(List.of(), offenders);
    }
}
