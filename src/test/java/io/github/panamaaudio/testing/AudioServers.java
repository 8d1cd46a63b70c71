package io.github.panamaaudio.testing;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.support.ParameterDeclarations;

/**
 * Runs a parameterized test once against each private audio server: the shared
 * {@link PulseServer} of {@link PulseServerExtension}, then the shared
 * {@link PipeWireServer} of {@link PipeWireServerExtension}; each is started at
 * most once per test run, on first use, and stopped when the run ends.
 *
 * <pre>{@code
 * @ParameterizedTest(name = "{0}")
 * @ArgumentsSource(AudioServers.class)
 * void capturesTheLoopback(AudioServer server) { ... }
 * }</pre>
 *
 * The argument is a view of the shared server that is not {@link AutoCloseable}
 * (JUnit would close it after the invocation); everything else is delegated.
 * The servers are started lazily, one per invocation: when PipeWire cannot be
 * started, the PulseAudio invocation still runs and the test then fails with
 * PipeWire's cause (which says to run {@code scripts/test}). Nothing is ever
 * skipped.
 *
 * <p>Thread-safety: stateless; the servers come from the root store.
 */
public final class AudioServers implements ArgumentsProvider {

    @Override
    public Stream<? extends Arguments> provideArguments(ParameterDeclarations parameters, ExtensionContext context) {
        return Arrays.stream(AudioServer.Kind.values())
                .map(kind -> Arguments.of(Named.of(displayName(kind), new SharedView(server(kind, context)))));
    }

    /** The shared server of {@code kind} for this test run, started on first use. */
    public static AudioServer server(AudioServer.Kind kind, ExtensionContext context) {
        return switch (kind) {
            case PULSEAUDIO -> PulseServerExtension.server(context);
            case PIPEWIRE -> PipeWireServerExtension.server(context);
        };
    }

    private static String displayName(AudioServer.Kind kind) {
        return switch (kind) {
            case PULSEAUDIO -> "PulseAudio";
            case PIPEWIRE -> "PipeWire";
        };
    }

    /** A shared server without {@code close()}: its extension stops it at the end of the run. */
    private record SharedView(AudioServer server) implements AudioServer {
        @Override public Kind kind() { return server.kind(); }
        @Override public String address() { return server.address(); }
        @Override public Path runtimeDir() { return server.runtimeDir(); }
        @Override public Map<String, String> clientEnvironment() { return server.clientEnvironment(); }
        @Override public String sinkName() { return server.sinkName(); }
        @Override public String monitorOfSink() { return server.monitorOfSink(); }
        @Override public String sineSourceName() { return server.sineSourceName(); }
        @Override public int sineFrequencyHz() { return server.sineFrequencyHz(); }
        @Override public int sampleRate() { return server.sampleRate(); }
        @Override public String pactl(String... args) { return server.pactl(args); }
        @Override public PulseServer.Player playTone(double hz) { return server.playTone(hz); }
        @Override public PulseServer.Player playTone(String sink, double hz) { return server.playTone(sink, hz); }
        @Override public int loadNullSink(String name) { return server.loadNullSink(name); }
        @Override public void unloadModule(int index) { server.unloadModule(index); }
        @Override public boolean isRunning() { return server.isRunning(); }
        @Override public void kill() { server.kill(); }
        @Override public void restart() { server.restart(); }
        @Override public String toString() { return server.toString(); }
    }
}
