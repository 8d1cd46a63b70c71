package io.github.panamaaudio.soak;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import org.junit.jupiter.api.Test;

/** The soak's C-heap probe sees memory malloc'd outside the JVM, and sees it go when it is freed. */
class SoakProbesTest {

    @Test
    void theCHeapProbeSeesAMallocdBlockAndItsFree() throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle malloc = linker.downcallHandle(linker.defaultLookup().find("malloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        MethodHandle free = linker.downcallHandle(linker.defaultLookup().find("free").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        Soak.Probes probes = new Soak.Probes();
        long before = probes.mallocInUse();
        assertTrue(before > 0, "mallinfo2 answers: " + before);
        // 64 MiB: glibc maps a block this large on its own (never touched, so no RSS) and
        // counts it exactly; what the JVM's own threads malloc and free meanwhile (seen:
        // up to ~0.6 MiB in a full test run) stays well inside the slack
        long size = 64L << 20;
        MemorySegment block = (MemorySegment) malloc.invokeExact(size);
        assertTrue(block.address() != 0, "malloc(64 MiB)");
        long held = probes.mallocInUse();
        free.invokeExact(block);
        long after = probes.mallocInUse();
        long slack = 8L << 20;
        assertTrue(held - before >= size - slack, "64 MiB malloc'd: " + (held - before) + " B more in use");
        assertTrue(held - after >= size - slack, "and freed: " + (held - after) + " B less in use");
    }
}
