package org.celeriac.pool.prefork.protocol;

import java.nio.ByteBuffer;

/**
 * Encodes frames and decodes them from a byte stream that arrives in arbitrary pieces. One decoder per
 * channel; not thread-safe (the hub owns it). Every frame is bounded by {@code maxFrameBytes}, so a broken
 * or hostile peer cannot make the reader allocate without limit.
 */
public final class FrameCodec {
    private final int maxFrameBytes;
    private ByteBuffer pending;

    public FrameCodec(int maxFrameBytes) {
        if (maxFrameBytes < Frame.HEADER) {
            throw new IllegalArgumentException("maxFrameBytes must be >= " + Frame.HEADER + ", was " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
        this.pending = ByteBuffer.allocate(Math.min(64 * 1024, maxFrameBytes + 4));
    }

    /** The wire form of a frame, ready to write. @throws IllegalArgumentException if it exceeds the bound */
    public ByteBuffer encode(Frame frame) {
        int length = Frame.HEADER + frame.payload().length;
        if (length > maxFrameBytes) {
            throw new IllegalArgumentException("a frame of " + length + " bytes exceeds the limit of " + maxFrameBytes
                    + " bytes (option max.frame.bytes)");
        }
        ByteBuffer b = ByteBuffer.allocate(4 + length);
        b.putInt(length).put(frame.type()).putLong(frame.job()).put(frame.payload()).flip();
        return b;
    }

    /** Appends bytes read from the channel ({@code in} is in read mode and is drained). */
    public void feed(ByteBuffer in) {
        if (pending.remaining() < in.remaining()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + in.remaining()));
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(in);
    }

    /**
     * The next complete frame, or {@code null} if more bytes are needed.
     *
     * @throws ProtocolException the stream is not a frame stream; discard the channel
     */
    public Frame next() throws ProtocolException {
        if (pending.position() < 4) {
            return null;
        }
        int length = pending.getInt(0);
        if (length < Frame.HEADER || length > maxFrameBytes) {
            throw new ProtocolException("frame length " + length + " is outside [" + Frame.HEADER + ", " + maxFrameBytes + "]");
        }
        if (pending.position() < 4 + length) {
            return null;
        }
        pending.flip();
        pending.getInt();
        byte type = pending.get();
        if (!Frame.known(type)) {
            throw new ProtocolException("unknown frame type " + type);
        }
        long job = pending.getLong();
        byte[] payload = new byte[length - Frame.HEADER];
        pending.get(payload);
        pending.compact();
        return new Frame(type, job, payload);
    }
}
