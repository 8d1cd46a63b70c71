package io.github.panamaaudio.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests one private PipeWire ({@link PipeWireServer}) for the whole test
 * run, like {@link PulseServerExtension} does for PulseAudio: started by the
 * first test class that uses it, stopped when the run ends (the root
 * {@link ExtensionContext.Store} closes it). Use it with
 * {@code @ExtendWith(PipeWireServerExtension.class)} and take a
 * {@code PipeWireServer} parameter in a constructor, a lifecycle method or a
 * test method; or get both servers from {@link AudioServers}.
 *
 * <p>There is no skipping: if PipeWire is not installed, every test that uses
 * the extension fails and says to run {@code scripts/test}, which installs it.
 * Tests that kill or restart the server should start their own with
 * {@link PipeWireServer#start()}.
 *
 * <p>Thread-safety: JUnit may call it from several threads; the store creates
 * the server at most once.
 */
public final class PipeWireServerExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(PipeWireServerExtension.class);
    private static final String KEY = "shared-pipewire-server";

    @Override
    public void beforeAll(ExtensionContext context) {
        server(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == PipeWireServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        try {
            return server(extensionContext);
        } catch (RuntimeException e) {
            throw new ParameterResolutionException("cannot start the private PipeWire: " + e.getMessage(), e);
        }
    }

    /**
     * The shared server of this test run, started on first use.
     *
     * @throws IllegalStateException if it cannot be started (the message says why)
     */
    public static PipeWireServer server(ExtensionContext context) {
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        return store.getOrComputeIfAbsent(KEY, key -> new Holder(), Holder.class).get();
    }

    /** Starts lazily; remembers a failure so that later classes report the same cause at once. */
    private static final class Holder implements AutoCloseable {
        private PipeWireServer server;
        private RuntimeException failure;

        synchronized PipeWireServer get() {
            if (server == null && failure == null) {
                try {
                    server = PipeWireServer.start();
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
