package io.github.panamaaudio;

/**
 * Receives the {@link AudioEvent}s of an {@link AudioCapture}.
 *
 * <p>Threading: every listener of a capture is called on one library-owned platform
 * thread ({@code panama-audio-events-<n>}), one event at a time, in the order the
 * backend reported them; never on a thread that reads audio. A listener that blocks
 * delays the listeners after it and later events, never capture. A listener that
 * throws is logged (once per listener) and keeps receiving events.
 */
@FunctionalInterface
public interface AudioEventListener {

    /**
     * Called for each event, on the capture's event thread.
     *
     * @param event what happened
     */
    void onEvent(AudioEvent event);
}
