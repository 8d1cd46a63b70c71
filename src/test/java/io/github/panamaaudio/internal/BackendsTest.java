package io.github.panamaaudio.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioException;
import io.github.panamaaudio.internal.loader.NativePlatform;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The one place that picks a backend: by name, and for "auto" by platform. */
class BackendsTest {

    @Test
    void autoPicksWasapiOnWindowsAndPulseElsewhere() {
        assertEquals(List.of("wasapi"), Backends.autoOrder(NativePlatform.of("Windows 11", "amd64")));
        assertEquals(List.of("pulse"), Backends.autoOrder(NativePlatform.of("Linux", "amd64")));
    }

    @Test
    void theWasapiBackendIsNamedButUnavailableOnLinux() {
        assertTrue(Backends.NAMES.contains("wasapi"), Backends.NAMES.toString());
        AudioException e = assertThrows(AudioException.class, () -> AudioCapture.builder().backend("wasapi").open());
        assertEquals(AudioException.Kind.BACKEND_UNAVAILABLE, e.kind(), e.getMessage());
    }
}
