package io.github.panamaaudio;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.panamaaudio.internal.ffi.PacShim;
import io.github.panamaaudio.internal.loader.ShimLoader;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** AudioPacket's flag bits are the shim's PAC_FLAG_* bits, which AudioStream passes through unchanged. */
class PacketFlagsMatchShimTest {

    @BeforeAll
    static void load() throws AudioException {
        ShimLoader.ensureLoaded();
    }

    @Test
    void discontinuityIsPacFlagDiscontinuity() {
        assertEquals(PacShim.PAC_FLAG_DISCONTINUITY(), AudioPacket.FLAG_DISCONTINUITY);
    }

    @Test
    void silentIsPacFlagSilent() {
        assertEquals(PacShim.PAC_FLAG_SILENT(), AudioPacket.FLAG_SILENT);
    }

    @Test
    void routeChangedIsPacFlagRouteChanged() {
        assertEquals(PacShim.PAC_FLAG_ROUTE_CHANGED(), AudioPacket.FLAG_ROUTE_CHANGED);
    }

    @Test
    void resumedIsPacFlagResumed() {
        assertEquals(PacShim.PAC_FLAG_RESUMED(), AudioPacket.FLAG_RESUMED);
    }
}
