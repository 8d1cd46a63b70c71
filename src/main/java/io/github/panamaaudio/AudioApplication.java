package io.github.panamaaudio;

import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A process that plays audio now, as the backend sees it: capture it with
 * {@link StreamConfig.Source#application(long)} (this process) or
 * {@link StreamConfig.Source#application(String)} (any process with this name or
 * binary, also after a restart).
 *
 * <p>Thread-safety: immutable, safe to share.
 *
 * @param processId the process id, if the backend knows it
 * @param name      the application's name (PulseAudio: {@code application.name})
 * @param binary    the name of its executable (PulseAudio: {@code application.process.binary}), or ""
 * @param streams   its playback streams now
 */
public record AudioApplication(OptionalLong processId, String name, String binary, List<PlaybackStream> streams) {

    /**
     * One playback stream of an application.
     *
     * @param index          the backend's index of the stream
     * @param title          the stream's title (PulseAudio: {@code media.name}), or ""
     * @param outputDeviceId the id of the {@link AudioDevice.Direction#OUTPUT output} it plays to, or ""
     */
    public record PlaybackStream(long index, String title, String outputDeviceId) {
        /**
         * Checks that no text component is null.
         *
         * @throws NullPointerException if {@code title} or {@code outputDeviceId} is null
         */
        public PlaybackStream {
            Objects.requireNonNull(title, "title");
            Objects.requireNonNull(outputDeviceId, "outputDeviceId");
        }
    }

    /**
     * Checks that no component is null and copies {@code streams}, so that the record
     * stays immutable.
     *
     * @throws NullPointerException if a component or an element of {@code streams} is null
     */
    public AudioApplication {
        Objects.requireNonNull(processId, "processId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(binary, "binary");
        streams = List.copyOf(streams);
    }
}
