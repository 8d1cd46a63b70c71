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

    /** {@return 0 for the stream's first packet, then +1 per packet} (Those read with {@code next()} count too; -1 before the first read.) */
    public long sequence() {
        return sequence;
    }

    /** {@return when the packet's first frame was captured, as {@link AudioPacket#timestampNanos()}} */
    public long timestampNanos() {
        return timestampNanos;
    }

    /** {@return the frames the stream delivered before this packet, as {@link AudioPacket#position()}} */
    public long position() {
        return position;
    }

    /** {@return the frames written} */
    public int frames() {
        return frames;
    }

    /** {@return the bytes written to the destination, from its start (or the buffer's position)} */
    public long bytes() {
        return bytes;
    }

    /**
     * {@return the {@link AudioPacket#FLAG_DISCONTINUITY}, {@link AudioPacket#FLAG_SILENT},
     * {@link AudioPacket#FLAG_ROUTE_CHANGED} and {@link AudioPacket#FLAG_RESUMED} bits}
     */
    public int flags() {
        return flags;
    }

    /** {@return whether audio before this packet was lost} */
    public boolean isDiscontinuity() {
        return (flags & AudioPacket.FLAG_DISCONTINUITY) != 0;
    }

    /** {@return whether every sample is zero} */
    public boolean isSilent() {
        return (flags & AudioPacket.FLAG_SILENT) != 0;
    }

    /** {@return whether the stream re-attached to a new default device just before this packet} */
    public boolean isRouteChanged() {
        return (flags & AudioPacket.FLAG_ROUTE_CHANGED) != 0;
    }

    /** {@return whether this is the first packet after a resume} */
    public boolean isResumed() {
        return (flags & AudioPacket.FLAG_RESUMED) != 0;
    }

    @Override
    public String toString() {
        return "PacketInfo[seq=" + sequence + ", frames=" + frames + ", bytes=" + bytes + ", flags=" + flags + "]";
    }
}
