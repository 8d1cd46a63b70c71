package io.github.panamaaudio;

import io.github.panamaaudio.internal.Backends;
import io.github.panamaaudio.internal.NativeContext;
import io.github.panamaaudio.internal.NativeEvent;
import io.github.panamaaudio.internal.NativeStream;
import io.github.panamaaudio.internal.jfr.BackendDisconnectedEvent;
import io.github.panamaaudio.internal.jfr.RouteChangedEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The entry point: one live context of a backend — the connection for enumeration
 * and events, held while the capture is open — that lists devices and applications,
 * reports changes and opens streams.
 *
 * <pre>{@code
 * try (AudioCapture capture = AudioCapture.open();
 *      AudioStream stream = capture.openStream(StreamConfig.builder()
 *              .source(StreamConfig.Source.defaultOutput()).build())) {   // what the system plays
 *     try (AudioPacket packet = stream.next()) {
 *         channel.write(packet.segment().asByteBuffer());
 *     }
 * }
 * }</pre>
 *
 * <p>Backends: {@code "auto"} (the default) uses PulseAudio — which PipeWire also
 * serves — when a server answers; {@code "pulse"} insists on it; {@code "tone"} is
 * a synthetic source that needs nothing (tests, demos, benchmarks). Settings that
 * only one backend has are its {@linkplain Builder#option(String, String) options}.
 *
 * <p>Events: {@link #addListener(AudioEventListener)}. A listener rather than a pull
 * call because the shim's events are pulled by a blocking call anyway (no upcalls):
 * the library owns the one platform thread that waits for them and calls the
 * listeners on it, so no user has to dedicate a thread, and no listener ever runs on
 * a thread that reads audio. The thread starts with the first listener. The pulse
 * backend reports each change within 500 ms of the server's; the tone backend has
 * none to report.
 *
 * <p>Thread-safety: thread-safe. Streams may be opened and closed from any thread;
 * {@link #close()} closes every stream still open and is idempotent. The capture
 * holds its streams' resources, not the {@link AudioStream} objects, so a stream
 * dropped without {@code close()} is still found and closed by the garbage collector
 * ({@link #reclaimedStreams()}).
 */
public final class AudioCapture implements AutoCloseable {

    /** System property: the PulseAudio server address used when the builder gives no {@code server} option. */
    public static final String SERVER_PROPERTY = "panamaaudio.pulse.server";

    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio");
    private static final AtomicInteger EVENT_THREADS = new AtomicInteger();
    /** How long one wait for an event lasts before the event thread re-checks for close. */
    private static final int EVENT_WAIT_SLICE_MS = 1000;

    private final NativeContext context;
    private final Set<StreamCore> streams = ConcurrentHashMap.newKeySet();
    private final LongAdder reclaimedStreams = new LongAdder();
    private final List<AudioEventListener> listeners = new CopyOnWriteArrayList<>();
    /** Listeners that threw once (logged once each). Identity, since listeners may have any equals. */
    private final Set<AudioEventListener> failedListeners = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Object eventLock = new Object();
    private Thread eventThread; // guarded by eventLock
    private volatile boolean closed;

    private AudioCapture(NativeContext context) {
        this.context = context;
    }

    /**
     * Opens with the default settings: backend "auto", the backend's default server.
     * Shorthand for {@code builder().open()}.
     *
     * @return the open capture; close it when done
     * @throws AudioException as {@link Builder#open()}
     */
    public static AudioCapture open() throws AudioException {
        return builder().open();
    }

    /** {@return a builder for the backend, its options, the client name and the connect timeout} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return the backend in use: "pulse" or "tone"} (Never "auto": that picks one of them.) */
    public String backend() {
        return context.backend();
    }

    /**
     * Lists the devices available now: inputs and outputs (capturing an output is its
     * loopback). Asks the backend on each call.
     *
     * @return the devices, an immutable list
     * @throws AudioException {@code CLOSED} if this capture is closed, or the backend's
     *                        failure to list them (e.g. {@code BACKEND_DISCONNECTED})
     */
    public List<AudioDevice> devices() throws AudioException {
        ensureOpen();
        return context.devices();
    }

    /**
     * Lists the applications playing audio now, with their playback streams (the
     * tone backend has none).
     *
     * @return the applications, an immutable list
     * @throws AudioException {@code CLOSED} if this capture is closed
     */
    public List<AudioApplication> applications() throws AudioException {
        ensureOpen();
        return context.applications();
    }

    /**
     * Opens a stream; it starts capturing at once. Close it (or this capture) when done.
     *
     * @param config what to capture and how
     * @return the open stream
     * @throws AudioException {@code DEVICE_NOT_FOUND} (naming what was asked), {@code FORMAT_UNSUPPORTED},
     *                        {@code BACKEND_UNAVAILABLE}, {@code BACKEND_DISCONNECTED} or {@code CLOSED}
     */
    public AudioStream openStream(StreamConfig config) throws AudioException {
        Objects.requireNonNull(config, "config");
        ensureOpen();
        NativeStream nativeStream = context.openStream(config);
        StreamCore[] core = new StreamCore[1];
        core[0] = new StreamCore(config, nativeStream, () -> streams.remove(core[0]), reclaimedStreams::increment);
        AudioStream stream = core[0].newHandle();
        streams.add(core[0]);
        if (closed) { // close() ran concurrently and may have missed this stream
            stream.close();
            throw new AudioException(AudioException.Kind.CLOSED, "the AudioCapture is closed");
        }
        return stream;
    }

    /** {@return the streams opened by this capture and not yet closed, as an immutable snapshot} */
    public List<AudioStream> openStreams() {
        List<AudioStream> open = new ArrayList<>();
        for (StreamCore core : streams) {
            AudioStream handle = core.handle();
            if (handle != null && !handle.isClosed()) {
                open.add(handle);
            }
        }
        return List.copyOf(open);
    }

    /**
     * Streams of this capture that were garbage-collected without {@link AudioStream#close()}
     * and closed by the library then (each also logged as a WARNING naming it). Each one is a
     * bug in the caller: it kept a server stream running until the collector found it.
     *
     * @return how many streams were reclaimed so far
     */
    public long reclaimedStreams() {
        return reclaimedStreams.sum();
    }

    /**
     * Adds a listener for device and application events; it receives every event the
     * backend reports from now on, on the capture's event thread (see
     * {@link AudioEventListener}). Adding the same listener twice makes it receive each
     * event twice.
     *
     * @param listener the listener to add
     * @throws AudioException {@code CLOSED} if this capture is closed
     */
    public void addListener(AudioEventListener listener) throws AudioException {
        Objects.requireNonNull(listener, "listener");
        ensureOpen();
        listeners.add(listener);
        synchronized (eventLock) {
            if (eventThread == null && !closed) {
                Thread t = new Thread(this::dispatchEvents, "panama-audio-events-" + EVENT_THREADS.incrementAndGet());
                t.setDaemon(true);
                eventThread = t;
                t.start();
            }
        }
    }

    /**
     * Removes one registration of the listener; a listener not registered is a no-op.
     *
     * @param listener the listener to remove
     */
    public void removeListener(AudioEventListener listener) {
        listeners.remove(listener);
    }

    /** The event thread: pulls the context's events and calls the listeners, until close. */
    private void dispatchEvents() {
        Map<String, AudioDevice> known = new HashMap<>(); // direction + id -> device as last listed
        try {
            remember(known, context.devices());
            while (!closed) {
                NativeEvent e = context.nextEvent(EVENT_WAIT_SLICE_MS);
                if (e != null) {
                    AudioEvent event = toEvent(e, known);
                    if (event != null) {
                        deliver(event);
                    }
                }
            }
        } catch (AudioException e) {
            if (e.kind() == AudioException.Kind.BACKEND_DISCONNECTED) {
                BackendDisconnectedEvent jfr = new BackendDisconnectedEvent();
                if (jfr.isEnabled()) {
                    jfr.backend = backend();
                    jfr.stream = "";
                    jfr.detail = e.getMessage();
                    jfr.commit();
                }
            }
            if (e.kind() != AudioException.Kind.CLOSED && !closed) {
                LOG.log(System.Logger.Level.WARNING, "the event thread of the " + backend()
                        + " capture stopped: " + e.getMessage(), e);
            }
        }
    }

    private static String key(AudioDevice.Direction direction, String id) {
        return direction + "\u0000" + id;
    }

    private static void remember(Map<String, AudioDevice> known, List<AudioDevice> devices) {
        known.clear();
        for (AudioDevice d : devices) {
            known.put(key(d.direction(), d.id()), d);
        }
    }

    private AudioEvent toEvent(NativeEvent e, Map<String, AudioDevice> known) throws AudioException {
        long now = System.nanoTime();
        switch (e.type()) {
            case NativeEvent.TYPE_DEVICE_ADDED, NativeEvent.TYPE_DEFAULT_CHANGED -> {
                remember(known, context.devices());
                AudioDevice d = known.get(key(e.direction(), e.id()));
                if (e.type() == NativeEvent.TYPE_DEVICE_ADDED) {
                    if (d == null) {
                        return null; // gone again before we could list it: its removal follows
                    }
                    return new AudioEvent(AudioEvent.Type.DEVICE_ADDED, Optional.of(d), Optional.empty(), now);
                }
                AudioEvent.Type type = e.direction() == AudioDevice.Direction.INPUT
                        ? AudioEvent.Type.DEFAULT_INPUT_CHANGED : AudioEvent.Type.DEFAULT_OUTPUT_CHANGED;
                return new AudioEvent(type, Optional.ofNullable(d), Optional.empty(), now);
            }
            case NativeEvent.TYPE_DEVICE_REMOVED -> {
                AudioDevice d = known.remove(key(e.direction(), e.id()));
                if (d == null) {
                    d = new AudioDevice(e.id(), "", e.direction(), false, null, 0, 0);
                }
                return new AudioEvent(AudioEvent.Type.DEVICE_REMOVED, Optional.of(d), Optional.empty(), now);
            }
            case NativeEvent.TYPE_APPLICATION_STARTED, NativeEvent.TYPE_APPLICATION_ENDED -> {
                AudioApplication app = null;
                if (e.type() == NativeEvent.TYPE_APPLICATION_STARTED) {
                    for (AudioApplication a : context.applications()) {
                        if (a.name().equals(e.id()) && (e.processId() == 0
                                || a.processId().orElse(0) == e.processId())) {
                            app = a;
                            break;
                        }
                    }
                }
                if (app == null) {
                    app = new AudioApplication(e.processId() == 0 ? OptionalLong.empty() : OptionalLong.of(e.processId()),
                            e.id(), e.binary(), List.of());
                }
                AudioEvent.Type type = e.type() == NativeEvent.TYPE_APPLICATION_STARTED
                        ? AudioEvent.Type.APPLICATION_STARTED : AudioEvent.Type.APPLICATION_ENDED;
                return new AudioEvent(type, Optional.empty(), Optional.of(app), now);
            }
            default -> {
                return null;
            }
        }
    }

    private void deliver(AudioEvent event) {
        if (event.device().isPresent() || event.type().name().startsWith("DEFAULT")) {
            RouteChangedEvent jfr = new RouteChangedEvent();
            if (jfr.isEnabled()) {
                jfr.change = event.type().name();
                jfr.device = event.device().map(AudioDevice::id).orElse("");
                jfr.stream = "";
                jfr.commit();
            }
        }
        for (AudioEventListener l : listeners) {
            try {
                l.onEvent(event);
            } catch (RuntimeException | Error t) {
                boolean first;
                synchronized (failedListeners) {
                    first = failedListeners.add(l);
                }
                if (first) {
                    LOG.log(System.Logger.Level.WARNING, "an AudioEventListener (" + l + ") threw on " + event.type()
                            + "; it keeps receiving events (logged once per listener)", t);
                }
            }
        }
    }

    private void ensureOpen() throws AudioException {
        if (closed) {
            throw new AudioException(AudioException.Kind.CLOSED, "the AudioCapture is closed");
        }
    }

    /**
     * Closes every stream still open, each one even if closing another failed, then the
     * context and its event thread; idempotent.
     *
     * @throws RuntimeException the first failure, with every later one
     *                          {@linkplain Throwable#addSuppressed suppressed} in it, after all
     *                          streams were closed (stream closes do not fail by design)
     */
    @Override
    public void close() {
        Thread events;
        synchronized (eventLock) {
            if (closed) {
                return;
            }
            closed = true;
            events = eventThread;
        }
        RuntimeException failure = null;
        for (StreamCore s : List.copyOf(streams)) {
            try {
                AudioStream handle = s.handle();
                if (handle != null) {
                    handle.close();
                } else {
                    s.close();
                }
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        context.interrupt();
        if (events != null && events != Thread.currentThread()) {
            boolean interrupted = false;
            while (events.isAlive()) {
                try {
                    events.join();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (events == Thread.currentThread()) {
            // a listener closes its capture: the event thread frees the context when it returns
            Thread.ofPlatform().daemon().start(() -> {
                while (events.isAlive()) {
                    try {
                        events.join();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                context.close();
            });
        } else {
            context.close();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Configures an {@link AudioCapture}.
     *
     * <p>Thread-safety: not thread-safe; confine a builder to one thread.
     */
    public static final class Builder {
        private String backend = "auto";
        private final Map<String, String> options = new LinkedHashMap<>();
        private String applicationName = "panama-audio-capture";
        private Duration timeout = Duration.ofSeconds(5);

        private Builder() {
        }

        /**
         * Chooses the backend: "auto" (default), "pulse" or "tone" (case-insensitive).
         *
         * @param backend the backend's name
         * @return this builder
         * @throws IllegalArgumentException if it is none of these names
         */
        public Builder backend(String backend) {
            Objects.requireNonNull(backend, "backend");
            this.backend = Backends.checkName(backend);
            return this;
        }

        /**
         * A backend option; checked against the backend at {@link #open()}
         * ({@code IllegalArgumentException} naming the option and those the backend takes).
         * {@code pulse} (and {@code auto}): {@code server}, the PulseAudio server address,
         * e.g. {@code unix:/run/user/1000/pulse/native} (without it: the system property
         * {@value #SERVER_PROPERTY} if set and not blank, else libpulse's own default,
         * {@code PULSE_SERVER}, then the user's runtime directory).
         * {@code tone}: none. A {@code null} value removes the option.
         *
         * @param key   the option's name
         * @param value its value, or {@code null} to remove it
         * @return this builder
         */
        public Builder option(String key, String value) {
            Objects.requireNonNull(key, "key");
            if (value == null) {
                options.remove(key);
            } else {
                options.put(key, value);
            }
            return this;
        }

        /**
         * The client name the audio server shows (default "panama-audio-capture").
         *
         * @param name 1..128 characters without control characters
         * @return this builder
         * @throws IllegalArgumentException if {@code name} is empty, too long or has a control character
         */
        public Builder applicationName(String name) {
            Objects.requireNonNull(name, "applicationName");
            if (name.isEmpty() || name.length() > 128 || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new IllegalArgumentException("applicationName = \"" + name
                        + "\" is not allowed: 1..128 characters without control characters");
            }
            this.applicationName = name;
            return this;
        }

        /**
         * How long to wait for the audio server when connecting and opening streams
         * (default 5 s).
         *
         * @param timeout 1 ms..5 min
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is outside that range
         */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofMinutes(5)) > 0) {
                throw new IllegalArgumentException("timeout = " + timeout
                        + " is outside the allowed range PT0.001S..PT5M");
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * Validates the options, loads the C shim if needed, opens the backend's context
         * and returns the capture.
         *
         * @return the open capture; close it when done
         * @throws IllegalArgumentException an option the backend does not take, or a bad value
         * @throws AudioException {@code NATIVE_UNAVAILABLE} if the C shim cannot be loaded,
         *                        {@code BACKEND_UNAVAILABLE} if no audio server answers in time
         *                        ("auto", "pulse")
         */
        public AudioCapture open() throws AudioException {
            Map<String, String> opts = new LinkedHashMap<>(options);
            String serverProperty = System.getProperty(SERVER_PROPERTY);
            if (!backend.equals("tone") && !opts.containsKey("server") && serverProperty != null
                    && !serverProperty.isBlank()) {
                opts.put("server", serverProperty);
            }
            Backends.checkOptions(backend, opts);
            return new AudioCapture(Backends.select(backend, applicationName, opts, timeout));
        }
    }
}
