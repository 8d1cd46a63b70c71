package io.github.panamaaudio.testing;

import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests one private PulseAudio server ({@link PulseServer}) for the whole
 * test run: started by the first test class that uses the extension, stopped when
 * the run ends (it lives in the root {@link ExtensionContext.Store}, which closes
 * {@link AutoCloseable} values at the end). Use it with
 * {@code @ExtendWith(PulseServerExtension.class)} and take a {@code PulseServer}
 * parameter in a constructor, a lifecycle method or a test method.
 *
 * <p>The runtime directory is a new temporary one, unless the system property
 * {@value #RUNTIME_DIR_PROPERTY} names one: then the address is known before the
 * JVM starts, and the build can set {@code PULSE_SERVER=unix:<dir>/pulse/native}
 * in the test JVM's environment, which code that cannot be handed an address
 * (ALSA's pulse plugin under {@code javax.sound.sampled}) needs.
 *
 * <p>There is no skipping: if {@code pulseaudio} is not installed, every test
 * that uses the extension fails and says to run {@code scripts/test}, which
 * installs it. Tests that kill or restart the server should start their own
 * with {@link PulseServer#start()} instead of disturbing this shared one.
 *
 * <p>Thread-safety: JUnit may call it from several threads; the store creates
 * the server at most once.
 */
public final class PulseServerExtension implements BeforeAllCallback, ParameterResolver {

    /** System property naming a fixed runtime directory for the shared server. */
    public static final String RUNTIME_DIR_PROPERTY = "pac.pulse.runtimeDir";

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(PulseServerExtension.class);
    private static final String KEY = "shared-pulse-server";

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == PulseServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        try {
            return server(extensionContext);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot start the private PulseAudio server: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The shared server of this test run, started on first use.
     *
     * @throws IllegalStateException if it cannot be started (the message says why)
     */
    public static PulseServer server(ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        Holder holder = store.getOrComputeIfAbsent(KEY, key -> new Holder(), Holder.class);
        return holder.get();
    }

    /**
     * Starts the server lazily and remembers a failure, so that every test class
     * after the first reports the same cause instead of retrying for 10 s each.
     */
    private static final class Holder implements AutoCloseable {
        private PulseServer server;
        private RuntimeException failure;

        synchronized PulseServer get() {
            if (server == null && failure == null) {
                try {
                    String dir = System.getProperty(RUNTIME_DIR_PROPERTY, "");
                    server = dir.isBlank() ? PulseServer.start() : PulseServer.start(Path.of(dir));
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                throw new IllegalStateException(failure.getMessage(), failure);
            }
            if (!server.isRunning()) {
                // a test killed the shared server and did not restart it
                server.restart();
            }
            return server;
        }

        @Override
        public synchronized void close() {
            if (server != null) {
                server.close();
            }
        }
    }
}
