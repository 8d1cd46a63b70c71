package io.github.panamaaudio.modulepath;

import io.github.panamaaudio.AudioCapture;
import io.github.panamaaudio.AudioPacket;
import io.github.panamaaudio.AudioStream;
import io.github.panamaaudio.StreamConfig;

/** Run by {@link ModulePathTest} in a child JVM with the library on the module path. */
public final class ModulePathMain {

    private ModulePathMain() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("library module: " + AudioCapture.class.getModule().getName());
        try (AudioCapture capture = AudioCapture.builder().backend("tone").open();
             AudioStream stream = capture.openStream(StreamConfig.builder().device("pattern?paced=false").build())) {
            for (int i = 0; i < 10; i++) {
                try (AudioPacket p = stream.next()) {
                    if (p.sequence() != i) {
                        throw new AssertionError("sequence " + p.sequence());
                    }
                }
            }
            System.out.println("captured " + stream.packets() + " packets");
        }
    }
}
