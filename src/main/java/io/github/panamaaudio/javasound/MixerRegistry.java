package io.github.panamaaudio.javasound;

import io.github.panamaaudio.AudioApplication;
import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import javax.sound.sampled.Mixer;

/**
 * The mixers of the Java Sound provider, one per capture source, shared by every
 * {@link PanamaMixerProvider} instance (the JDK makes a new provider on each
 * {@code AudioSystem} call).
 *
 * <p>A mixer, once listed, is kept for the life of the JVM (a handful of objects per
 * source ever seen): {@link Mixer.Info#equals} is identity, so a program that kept an
 * info from an earlier {@code AudioSystem.getMixerInfo()} must get the same mixer
 * from {@code AudioSystem.getMixer(info)}; the next listing returns the same info
 * objects for the sources still there. A source that went away is no longer listed;
 * its mixer's lines then fail to open (a device), or wait for it (an application by
 * name).
 *
 * <p>Order of the listing: the default input first — with this jar on the class path
 * the JDK asks this provider first when a program calls
 * {@code AudioSystem.getTargetDataLine(format)} without a mixer, and such a program
 * then gets the same default input it would have got from the JDK's own mixers — then
 * the default output's loopback, each input, the loopback of each output, each playing
 * application.
 *
 * <p>Thread-safety: thread-safe (a concurrent map; listings may run concurrently).
 */
final class MixerRegistry {

    static final String VENDOR = "Panama Audio Capture";
    static final String VERSION = version();
    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio.javasound");

    static final MixerRegistry INSTANCE = new MixerRegistry(SharedCapture.auto());

    private final SharedCapture capture;
    private final ConcurrentMap<String, CaptureMixer> byKey = new ConcurrentHashMap<>();

    MixerRegistry(SharedCapture capture) {
        this.capture = capture;
    }

    SharedCapture capture() {
        return capture;
    }

    /** The sources available now, as mixer infos; empty (never an exception) when no capture can be opened. */
    Mixer.Info[] list() {
        List<CaptureSource> sources;
        try {
            AudioCapture c = capture.acquire();
            try {
                sources = sources(c);
            } finally {
                capture.release();
            }
        } catch (AudioException e) {
            return new Mixer.Info[0]; // SharedCapture logged why
        }
        List<Mixer.Info> result = new ArrayList<>(sources.size());
        for (CaptureSource s : sources) {
            CaptureMixer m = byKey.computeIfAbsent(s.key(), k -> new CaptureMixer(s, capture));
            result.add(m.getMixerInfo());
        }
        return result.toArray(new Mixer.Info[0]);
    }

    private static List<CaptureSource> sources(AudioCapture c) throws AudioException {
        List<AudioDevice> devices = c.devices();
        List<AudioApplication> applications;
        try {
            applications = c.applications();
        } catch (AudioException e) {
            LOG.log(Level.DEBUG, "Java Sound: applications cannot be listed: {0}", e.getMessage());
            applications = List.of();
        }
        List<CaptureSource> sources = new ArrayList<>();
        sources.add(CaptureSource.defaultInput());
        sources.add(CaptureSource.defaultOutputLoopback());
        for (AudioDevice d : devices) {
            if (d.direction() == AudioDevice.Direction.INPUT) {
                sources.add(CaptureSource.of(d));
            }
        }
        for (AudioDevice d : devices) {
            if (d.direction() == AudioDevice.Direction.OUTPUT) {
                sources.add(CaptureSource.of(d));
            }
        }
        Set<String> names = new LinkedHashSet<>();
        for (AudioApplication a : applications) {
            if (!a.name().isBlank()) {
                names.add(a.name()); // by name: several processes of one application are one mixer
            }
        }
        for (AudioApplication a : applications) {
            if (names.remove(a.name())) {
                sources.add(CaptureSource.of(a));
            }
        }
        return sources;
    }

    /** The mixer of an info this registry handed out; null for any other info. */
    CaptureMixer mixer(Mixer.Info info) {
        if (info instanceof CaptureMixer.Info ours) { // only this package makes them
            return ours.mixer();
        }
        return null;
    }

    private static String version() {
        Package p = MixerRegistry.class.getPackage();
        if (p != null && p.getImplementationVersion() != null) {
            return p.getImplementationVersion();
        }
        Module m = MixerRegistry.class.getModule();
        if (m.getDescriptor() != null && m.getDescriptor().rawVersion().isPresent()) {
            return m.getDescriptor().rawVersion().get();
        }
        // on the class path: the POM properties Maven puts in the jar
        try (InputStream in = MixerRegistry.class.getResourceAsStream(
                "/META-INF/maven/io.github.panamaaudio/panama-audio-capture/pom.properties")) {
            if (in != null) {
                Properties props = new Properties();
                props.load(in);
                String v = props.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v;
                }
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "Java Sound: cannot read the version: {0}", e.toString());
        }
        return "unknown";
    }
}
