package io.github.panamaaudio.javasound;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.DataLine;
import javax.sound.sampled.Mixer;
import javax.sound.sampled.TargetDataLine;

/**
 * A recorder written against {@code javax.sound.sampled} only — it imports nothing of
 * the library, and runs in a child JVM whose class path has the library's classes and
 * this class alone. It lists the mixers, finds one by name, records from it with
 * {@code AudioSystem.write(new AudioInputStream(line), WAVE, file)} while another
 * thread stops the line after the given time, and prints what it did.
 *
 * <p>Arguments: {@code <how> <name> <file> <seconds>}, where {@code how} is
 * {@code mixer} (the mixer's own {@code getLine}), {@code audiosystem} (the JDK's
 * {@code AudioSystem.getTargetDataLine(format, mixerInfo)}), {@code list} (only list;
 * the other arguments are ignored) or {@code leave-open} (start a line, return from
 * main without stopping or closing it: the JVM must still exit). {@code name} is
 * matched exactly against the mixer's name, or as its start if it ends with
 * {@code *}, or as a substring if it is enclosed in {@code *…*}.
 *
 * <p>Exit status: 0 done, 2 no such mixer.
 */
public final class JavaSoundRecorderMain {

    private JavaSoundRecorderMain() {
    }

    public static void main(String[] args) throws Exception {
        String how = args[0];
        Mixer.Info[] infos = AudioSystem.getMixerInfo();
        int ours = 0;
        for (Mixer.Info i : infos) {
            System.out.println("mixer: " + i.getName() + " | " + i.getVendor() + " | " + i.getVersion() + " | "
                    + i.getDescription());
            if (i.getVendor().equals("Panama Audio Capture")) {
                ours++;
            }
        }
        System.out.println("panama mixers: " + ours);
        if (how.equals("list")) {
            return;
        }
        String name = args[1];
        File file = new File(args[2]);
        long millis = Math.round(Double.parseDouble(args[3]) * 1000);

        Mixer.Info found = null;
        List<String> names = new ArrayList<>();
        for (Mixer.Info i : infos) {
            names.add(i.getName());
            if (matches(i.getName(), name)) {
                found = i;
                break;
            }
        }
        if (found == null) {
            System.out.println("no mixer named " + name + " among " + names);
            System.exit(2);
        }
        System.out.println("recording from: " + found.getName());

        AudioFormat format = new AudioFormat(48_000f, 16, 2, true, false);
        TargetDataLine line;
        if (how.equals("audiosystem")) {
            line = AudioSystem.getTargetDataLine(format, found);
        } else {
            Mixer mixer = AudioSystem.getMixer(found);
            line = (TargetDataLine) mixer.getLine(new DataLine.Info(TargetDataLine.class, format));
        }
        line.addLineListener(e -> System.out.println("event: " + e.getType()));
        line.open(format);
        line.start();
        if (how.equals("leave-open")) {
            byte[] some = new byte[4 * 4800];
            System.out.println("read " + line.read(some, 0, some.length) + " bytes; leaving the line running");
            return;
        }
        Thread stopper = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            line.stop();
            line.close();
        }, "stopper");
        stopper.start();
        long t0 = System.nanoTime();
        int bytes = AudioSystem.write(new AudioInputStream(line), AudioFileFormat.Type.WAVE, file);
        long took = (System.nanoTime() - t0) / 1_000_000;
        stopper.join();
        System.out.println("wrote " + bytes + " bytes in " + took + " ms; frame position "
                + line.getLongFramePosition());
    }

    private static boolean matches(String actual, String pattern) {
        if (pattern.length() > 1 && pattern.startsWith("*") && pattern.endsWith("*")) {
            return actual.contains(pattern.substring(1, pattern.length() - 1));
        }
        if (pattern.endsWith("*")) {
            return actual.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return actual.equals(pattern);
    }
}
