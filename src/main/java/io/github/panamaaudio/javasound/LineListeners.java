package io.github.panamaaudio.javasound;

import java.lang.System.Logger.Level;
import java.util.concurrent.CopyOnWriteArrayList;

import javax.sound.sampled.Line;
import javax.sound.sampled.LineEvent;
import javax.sound.sampled.LineListener;

/**
 * The listeners of one line or mixer. Events are delivered on the thread whose call
 * caused them ({@code open}, {@code start}, {@code stop}, {@code close}, or a
 * {@code read} that found the source lost), after the line's locks are released, so
 * a listener may call the line; one that throws is logged and the others still get
 * the event.
 *
 * <p>Thread-safety: thread-safe (a copy-on-write list).
 */
final class LineListeners {

    private static final System.Logger LOG = System.getLogger("io.github.panamaaudio.javasound");

    private final CopyOnWriteArrayList<LineListener> listeners = new CopyOnWriteArrayList<>();

    /** Adds a listener; {@code null} is ignored, as is one already added. */
    void add(LineListener listener) {
        if (listener != null) {
            listeners.addIfAbsent(listener);
        }
    }

    void remove(LineListener listener) {
        listeners.remove(listener);
    }

    void fire(Line source, LineEvent.Type type, long framePosition) {
        if (listeners.isEmpty()) {
            return;
        }
        LineEvent event = new LineEvent(source, type, framePosition);
        for (LineListener l : listeners) {
            try {
                l.update(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a LineListener threw on " + type + "; the others still get it", e);
            }
        }
    }
}
