package io.github.panamaaudio;

/**
 * The metadata of a packet read with {@link AudioStream#read(java.lang.foreign.MemorySegment, PacketInfo)}
 * into the caller's own memory: a holder the caller allocates once and reuses, so
 * that such reads allocate nothing.
 *
 * <p>Thread-safety: not thread-safe; one holder per reading thread (or hand it over
 * with the data, safely published).
 */
public final class PacketInfo {

    private long sequence = -1;
    private long timestampNanos;
    private long position;
    private long bytes;
    private int frames;
    private int flags;

    /** An empty holder: {@link #sequence()} is -1 until a read fills it. */
    public PacketInfo() {
    }

    void set(long sequence, long timestampNanos, long position, int frames, long bytes, int flags) {
        this.sequence = sequence;
        this.timestampNanos = timestampNanos;
        this.position = position;
        this.frames = frames;
        this.bytes = bytes;
        this.flags = flags;
    }

    /** 0 for the stream's first packet, then +1 per packet (those read with {@code next()} count too). */
    public long sequence() {
        return sequence;
    }

    /** As {@link AudioPacket#timestampNanos()}. */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** As {@link AudioPacket#position()}. */
    public long position() {
        return position;
    }

    /** Frames written. */
    public int frames() {
        return frames;
    }

    /** Bytes written to the destination, from its start (or the buffer's position). */
    public long bytes() {
        return bytes;
    }

    /** {@link AudioPacket#FLAG_DISCONTINUITY}, {@link AudioPacket#FLAG_SILENT}, {@link AudioPacket#FLAG_ROUTE_CHANGED}. */
    public int flags() {
        return flags;
    }

    /** Whether audio before this packet was lost. */
    public boolean isDiscontinuity() {
        return (flags & AudioPacket.FLAG_DISCONTINUITY) != 0;
    }

    /** Whether every sample is zero. */
    public boolean isSilent() {
        return (flags & AudioPacket.FLAG_SILENT) != 0;
    }

    /** Whether the stream re-attached to a new default device just before this packet. */
    public boolean isRouteChanged() {
        return (flags & AudioPacket.FLAG_ROUTE_CHANGED) != 0;
    }

    @Override
    public String toString() {
        return "PacketInfo[seq=" + sequence + ", frames=" + frames + ", bytes=" + bytes + ", flags=" + flags + "]";
    }
}
