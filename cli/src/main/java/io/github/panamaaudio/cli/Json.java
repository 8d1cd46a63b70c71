package io.github.panamaaudio.cli;

import io.github.panamaaudio.AudioApplication;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.AudioEvent;

import java.time.Instant;
import java.util.List;

/**
 * The CLI's machine-readable output: devices, applications and events as JSON
 * (RFC 8259), written by hand because the CLI has no JSON dependency and needs only
 * objects, arrays, strings, numbers, booleans and null.
 *
 * <p>Thread-safety: stateless.
 */
final class Json {

    private Json() {
    }

    static String device(AudioDevice d) {
        return "{\"id\":" + string(d.id())
                + ",\"direction\":" + string(Words.direction(d.direction()))
                + ",\"default\":" + d.isDefault()
                + ",\"description\":" + string(d.description())
                + ",\"format\":" + d.nativeFormat().map(f -> string(f.name())).orElse("null")
                + ",\"sampleRate\":" + d.sampleRate()
                + ",\"channels\":" + d.channels() + "}";
    }

    static String application(AudioApplication a) {
        StringBuilder s = new StringBuilder("{\"pid\":")
                .append(a.processId().isPresent() ? Long.toString(a.processId().getAsLong()) : "null")
                .append(",\"name\":").append(string(a.name()))
                .append(",\"binary\":").append(string(a.binary()))
                .append(",\"streams\":[");
        List<AudioApplication.PlaybackStream> streams = a.streams();
        for (int i = 0; i < streams.size(); i++) {
            AudioApplication.PlaybackStream p = streams.get(i);
            s.append(i == 0 ? "" : ",").append("{\"index\":").append(p.index())
                    .append(",\"title\":").append(string(p.title()))
                    .append(",\"output\":").append(string(p.outputDeviceId())).append('}');
        }
        return s.append("]}").toString();
    }

    /** The {@code devices --json} document. */
    static String devices(String backend, List<AudioDevice> devices, List<AudioApplication> applications) {
        StringBuilder s = new StringBuilder("{\"backend\":").append(string(backend));
        for (AudioDevice.Direction direction : AudioDevice.Direction.values()) {
            s.append(",\"").append(Words.direction(direction)).append("s\":[");
            boolean first = true;
            for (AudioDevice d : devices) {
                if (d.direction() == direction) {
                    s.append(first ? "" : ",").append(device(d));
                    first = false;
                }
            }
            s.append(']');
        }
        s.append(",\"applications\":[");
        for (int i = 0; i < applications.size(); i++) {
            s.append(i == 0 ? "" : ",").append(application(applications.get(i)));
        }
        return s.append("]}").toString();
    }

    /** One event as one line of JSON (JSON Lines). */
    static String event(AudioEvent e, Instant when) {
        return "{\"time\":" + string(Words.timestamp(when))
                + ",\"type\":" + string(e.type().name())
                + ",\"device\":" + e.device().map(Json::device).orElse("null")
                + ",\"application\":" + e.application().map(Json::application).orElse("null") + "}";
    }

    /** A JSON string literal. */
    static String string(String value) {
        StringBuilder s = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> s.append("\\\"");
                case '\\' -> s.append("\\\\");
                case '\n' -> s.append("\\n");
                case '\r' -> s.append("\\r");
                case '\t' -> s.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
                        s.append(String.format("\\u%04x", (int) c));
                    } else {
                        s.append(c);
                    }
                }
            }
        }
        return s.append('"').toString();
    }
}
