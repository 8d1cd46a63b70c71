package io.github.panamaaudio.cli;

import io.github.panamaaudio.AudioApplication;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioEvent;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * How the CLI names devices, applications and events for people: the library's
 * neutral words (input, output, loopback, application), one line each.
 *
 * <p>Thread-safety: stateless.
 */
final class Words {

    /** Fixed width (ISO_INSTANT drops a zero fraction), so that event lines line up. */
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private Words() {
    }

    /** "input" or "output". */
    static String direction(AudioDevice.Direction direction) {
        return direction == AudioDevice.Direction.INPUT ? "input" : "output";
    }

    /** A device's own format: "S16LE 48000 Hz 2 ch", without the sample format if it is none of ours. */
    static String format(AudioDevice d) {
        String shape = d.sampleRate() + " Hz " + d.channels() + " ch";
        return d.nativeFormat().map(f -> f + " " + shape).orElse(shape);
    }

    /** "output pac_sink (default) "Null Output"". */
    static String device(AudioDevice d) {
        return direction(d.direction()) + " " + d.id() + (d.isDefault() ? " (default)" : "")
                + (d.description().isEmpty() ? "" : " \"" + d.description() + "\"");
    }

    /** "pid 1234 "Firefox" (firefox-bin)", with its streams if it has any. */
    static String application(AudioApplication a) {
        StringBuilder s = new StringBuilder();
        s.append(a.processId().isPresent() ? "pid " + a.processId().getAsLong() : "pid ?");
        s.append(" \"").append(a.name()).append('"');
        if (!a.binary().isEmpty()) {
            s.append(" (").append(a.binary()).append(')');
        }
        if (!a.streams().isEmpty()) {
            s.append(": ").append(streams(a));
        }
        return s.toString();
    }

    /** An application's streams: "title -> output; title2 -> output2" ("-" for none). */
    static String streams(AudioApplication a) {
        List<String> parts = new ArrayList<>();
        for (AudioApplication.PlaybackStream p : a.streams()) {
            String title = p.title().isEmpty() ? "#" + p.index() : p.title();
            parts.add(title + " -> " + (p.outputDeviceId().isEmpty() ? "?" : p.outputDeviceId()));
        }
        return parts.isEmpty() ? "-" : String.join("; ", parts);
    }

    /** ISO-8601 in UTC to the millisecond: 2026-12-01T21:36:50.123Z. */
    static String timestamp(Instant when) {
        return TIMESTAMP.format(when);
    }

    /** One event as {@code monitor --events} prints it: time, type, what it concerns. */
    static String event(AudioEvent e, Instant when) {
        String subject;
        if (e.application().isPresent()) {
            subject = "application " + application(e.application().get());
        } else if (e.device().isPresent()) {
            subject = device(e.device().get());
        } else if (e.type() == AudioEvent.Type.DEFAULT_INPUT_CHANGED) {
            subject = "no default input";
        } else if (e.type() == AudioEvent.Type.DEFAULT_OUTPUT_CHANGED) {
            subject = "no default output";
        } else {
            subject = "-";
        }
        return timestamp(when) + "  " + e.type() + "  " + subject;
    }
}
