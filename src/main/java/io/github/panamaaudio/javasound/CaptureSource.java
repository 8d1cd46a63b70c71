package io.github.panamaaudio.javasound;

import io.github.panamaaudio.AudioApplication;
import io.github.panamaaudio.AudioDevice;
import io.github.panamaaudio.SampleFormat;
import io.github.panamaaudio.StreamConfig;

import javax.sound.sampled.AudioFormat;

/**
 * One capture source as a Java Sound mixer shows it: the library's
 * {@link StreamConfig.Source}, a key that stays the same while the source does, the
 * name and description a user looks for, and the format a line opens with by default.
 *
 * <p>Thread-safety: an immutable record.
 *
 * @param key         identifies the source across listings (kind and id or name)
 * @param source      what a line of this mixer captures
 * @param name        the mixer's name
 * @param description the mixer's description
 * @param preferred   the format a line opens with when none is asked for
 */
record CaptureSource(String key, StreamConfig.Source source, String name, String description, AudioFormat preferred) {

    /** Rate and channels when the source has none of its own (PulseAudio's defaults; it resamples). */
    private static final int DEFAULT_RATE = 48_000, DEFAULT_CHANNELS = 2;

    static CaptureSource defaultInput() {
        return new CaptureSource("default-input", StreamConfig.Source.defaultInput(), "Default input",
                "The default input (a microphone, usually); follows it when the default changes",
                preferred(DEFAULT_RATE, DEFAULT_CHANNELS));
    }

    static CaptureSource defaultOutputLoopback() {
        return new CaptureSource("default-output", StreamConfig.Source.defaultOutput(), "Default output loopback",
                "What the default output plays (the system's own audio); follows the default output,"
                        + " never becomes an input", preferred(DEFAULT_RATE, DEFAULT_CHANNELS));
    }

    static CaptureSource of(AudioDevice d) {
        String label = d.description().isBlank() ? d.id() : d.description();
        int rate = d.sampleRate() >= StreamConfig.MIN_SAMPLE_RATE && d.sampleRate() <= StreamConfig.MAX_SAMPLE_RATE
                ? d.sampleRate() : DEFAULT_RATE;
        int channels = d.channels() >= StreamConfig.MIN_CHANNELS && d.channels() <= StreamConfig.MAX_CHANNELS
                ? d.channels() : DEFAULT_CHANNELS;
        return switch (d.direction()) {
            case INPUT -> new CaptureSource("input:" + d.id(), StreamConfig.Source.device(d.id()),
                    "Input: " + label + " [" + d.id() + "]",
                    "Input device " + d.id() + "; never moves to another device", preferred(rate, channels));
            case OUTPUT -> new CaptureSource("output:" + d.id(), StreamConfig.Source.device(d.id()),
                    "Loopback: " + label + " [" + d.id() + "]",
                    "What output device " + d.id() + " plays; never moves to another device",
                    preferred(rate, channels));
        };
    }

    static CaptureSource of(AudioApplication app) {
        return new CaptureSource("application:" + app.name(), StreamConfig.Source.application(app.name()),
                "Application: " + app.name(),
                "Everything application '" + app.name() + "' plays, mixed: every process with this application"
                        + " name or binary, now and after a restart (silence while none plays)",
                preferred(DEFAULT_RATE, DEFAULT_CHANNELS));
    }

    private static AudioFormat preferred(int rate, int channels) {
        return LineFormats.of(SampleFormat.S16LE, rate, channels);
    }
}
