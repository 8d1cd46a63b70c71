package io.github.panamaaudio.javasound;

import io.github.panamaaudio.AudioException;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.Control;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.Line;
import javax.sound.sampled.LineEvent;
import javax.sound.sampled.LineListener;
import javax.sound.sampled.LineUnavailableException;
import javax.sound.sampled.Mixer;

/**
 * A capture-only mixer for one {@link CaptureSource}: no source (playback) lines, any
 * number of {@link CaptureLine}s, each its own stream of the library. No controls, no
 * synchronization.
 *
 * <p>Open: a mixer opened explicitly holds a use of the shared capture until it is
 * closed; {@link #isOpen()} is also true while any of its lines is open (the JDK's
 * mixers open implicitly with their first line, too). Closing the mixer closes its
 * lines.
 *
 * <p>Thread-safety: thread-safe.
 */
final class CaptureMixer implements Mixer {

    /** A mixer's info; identity is its equality (as for every {@link Mixer.Info}). */
    static final class Info extends Mixer.Info {
        private final CaptureMixer mixer;

        private Info(CaptureMixer mixer, CaptureSource source) {
            super(source.name(), MixerRegistry.VENDOR, source.description(), MixerRegistry.VERSION);
            this.mixer = mixer;
        }

        CaptureMixer mixer() {
            return mixer;
        }
    }

    private static final Line.Info[] NO_LINE_INFO = new Line.Info[0];
    private static final Line[] NO_LINES = new Line[0];

    private final CaptureSource source;
    private final SharedCapture capture;
    private final Info info;
    private final DataLine.Info lineInfo;
    private final Line.Info mixerLineInfo = new Line.Info(Mixer.class);
    private final Set<CaptureLine> openLines = ConcurrentHashMap.newKeySet();
    private final LineListeners listeners = new LineListeners();
    private boolean explicitlyOpen; // guarded by this

    CaptureMixer(CaptureSource source, SharedCapture capture) {
        this.source = source;
        this.capture = capture;
        this.info = new Info(this, source);
        this.lineInfo = LineFormats.lineInfo(source.preferred());
    }

    CaptureSource source() {
        return source;
    }

    SharedCapture capture() {
        return capture;
    }

    DataLine.Info lineInfo() {
        return lineInfo;
    }

    void lineOpened(CaptureLine line) {
        openLines.add(line);
    }

    void lineClosed(CaptureLine line) {
        openLines.remove(line);
    }

    @Override
    public Mixer.Info getMixerInfo() {
        return info;
    }

    /** None: this mixer only captures. */
    @Override
    public Line.Info[] getSourceLineInfo() {
        return NO_LINE_INFO;
    }

    /** One {@link DataLine.Info} for {@code TargetDataLine}, with the formats a line delivers. */
    @Override
    public Line.Info[] getTargetLineInfo() {
        return new Line.Info[] {lineInfo};
    }

    @Override
    public Line.Info[] getSourceLineInfo(Line.Info info) {
        return NO_LINE_INFO;
    }

    @Override
    public Line.Info[] getTargetLineInfo(Line.Info info) {
        return isLineSupported(info) ? new Line.Info[] {lineInfo} : NO_LINE_INFO;
    }

    /**
     * Whether {@code info} asks for a {@code TargetDataLine} (or a supertype) with formats
     * a line delivers: PCM_SIGNED 16/32-bit or PCM_FLOAT 32-bit little endian, rates and
     * channels within the library's ranges or {@link AudioSystem#NOT_SPECIFIED}.
     */
    @Override
    public boolean isLineSupported(Line.Info info) {
        return info != null && LineFormats.supports(info, lineInfo);
    }

    /**
     * A new, closed {@link javax.sound.sampled.TargetDataLine}; its default format is
     * the last fully specified format of {@code info} (else the source's preferred one).
     *
     * @throws IllegalArgumentException if {@link #isLineSupported(Line.Info)} is false
     */
    @Override
    public Line getLine(Line.Info info) throws LineUnavailableException {
        if (!isLineSupported(info)) {
            throw new IllegalArgumentException("mixer \"" + this.info.getName() + "\" has only TargetDataLines of "
                    + "PCM_SIGNED 16/32-bit or PCM_FLOAT 32-bit little-endian audio; not " + info);
        }
        return new CaptureLine(this, LineFormats.defaultFormat(info, source.preferred()));
    }

    /** {@link AudioSystem#NOT_SPECIFIED} (no limit) for capture lines, 0 for any other. */
    @Override
    public int getMaxLines(Line.Info info) {
        return isLineSupported(info) ? AudioSystem.NOT_SPECIFIED : 0;
    }

    @Override
    public Line[] getSourceLines() {
        return NO_LINES;
    }

    /** The lines of this mixer open now. */
    @Override
    public Line[] getTargetLines() {
        return openLines.toArray(NO_LINES);
    }

    /** @throws IllegalArgumentException always: lines of this mixer cannot be synchronized */
    @Override
    public void synchronize(Line[] lines, boolean maintainSync) {
        throw new IllegalArgumentException("this mixer cannot synchronize lines");
    }

    /** @throws IllegalArgumentException always: lines of this mixer cannot be synchronized */
    @Override
    public void unsynchronize(Line[] lines) {
        throw new IllegalArgumentException("this mixer cannot synchronize lines");
    }

    @Override
    public boolean isSynchronizationSupported(Line[] lines, boolean maintainSync) {
        return false;
    }

    @Override
    public Line.Info getLineInfo() {
        return mixerLineInfo;
    }

    /**
     * Opens the mixer: connects to the audio server (the shared capture) and keeps the
     * connection until {@link #close()}. Idempotent.
     *
     * @throws LineUnavailableException if no capture backend is available
     */
    @Override
    public void open() throws LineUnavailableException {
        synchronized (this) {
            if (explicitlyOpen) {
                return;
            }
            try {
                capture.acquire();
            } catch (AudioException e) {
                throw CaptureLine.unavailable("cannot open mixer \"" + info.getName() + "\"", e);
            }
            explicitlyOpen = true;
        }
        listeners.fire(this, LineEvent.Type.OPEN, AudioSystem.NOT_SPECIFIED);
    }

    /** Closes the mixer's open lines and, if it was opened explicitly, releases its connection. Idempotent. */
    @Override
    public void close() {
        for (CaptureLine line : openLines.toArray(new CaptureLine[0])) {
            line.close();
        }
        synchronized (this) {
            if (!explicitlyOpen) {
                return;
            }
            explicitlyOpen = false;
            capture.release();
        }
        listeners.fire(this, LineEvent.Type.CLOSE, AudioSystem.NOT_SPECIFIED);
    }

    /** Whether the mixer was opened explicitly or has an open line. */
    @Override
    public boolean isOpen() {
        synchronized (this) {
            if (explicitlyOpen) {
                return true;
            }
        }
        return !openLines.isEmpty();
    }

    /** None. */
    @Override
    public Control[] getControls() {
        return new Control[0];
    }

    @Override
    public boolean isControlSupported(Control.Type control) {
        return false;
    }

    /** @throws IllegalArgumentException always: this mixer has no controls */
    @Override
    public Control getControl(Control.Type control) {
        throw new IllegalArgumentException("mixer \"" + info.getName() + "\" has no controls; asked for " + control);
    }

    @Override
    public void addLineListener(LineListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeLineListener(LineListener listener) {
        listeners.remove(listener);
    }

    @Override
    public String toString() {
        return "Panama Audio Capture mixer \"" + info.getName() + "\" (" + source.source() + ")";
    }
}
