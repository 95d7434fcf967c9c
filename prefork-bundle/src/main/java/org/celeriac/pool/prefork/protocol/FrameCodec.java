package org.celeriac.pool.prefork.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.celeriac.pool.json.Json;

/**
 * Encodes frames and decodes them from a byte stream that arrives in arbitrary pieces. One decoder per
 * channel; not thread-safe (the hub owns it). Every frame is bounded by {@code maxFrameBytes}, so a broken
 * or hostile peer cannot make the reader allocate without limit.
 */
public final class FrameCodec {
    private static final byte[] NO_HEADER = new byte[4 + Frame.HEADER];

    private final int maxFrameBytes;
    private ByteBuffer pending;

    public FrameCodec(int maxFrameBytes) {
        if (maxFrameBytes < Frame.HEADER) {
            throw new IllegalArgumentException("maxFrameBytes must be >= " + Frame.HEADER + ", was " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
        this.pending = ByteBuffer.allocate(Math.min(64 * 1024, maxFrameBytes + 4));
    }

    /** The wire form of a frame, ready to write. @throws FrameTooLargeException if it exceeds the bound */
    public ByteBuffer encode(Frame frame) {
        int length = Frame.HEADER + frame.payload().length;
        checkLength(length);
        ByteBuffer b = ByteBuffer.allocate(4 + length);
        b.putInt(length).put(frame.type()).putLong(frame.job()).put(frame.payload()).flip();
        return b;
    }

    /**
     * The wire form of a frame whose payload is {@code value} as JSON, written straight into the frame's
     * bytes: one copy of the payload instead of a String, its UTF-8 bytes and the frame (this is every task's
     * and every result's encoding).
     *
     * @throws FrameTooLargeException the frame exceeds the bound
     * @throws IllegalArgumentException {@code value} is not a JSON value
     */
    public byte[] encodeJson(byte type, long job, Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(NO_HEADER, 0, NO_HEADER.length); // room for the header, filled in below
        Json.writeTo(out, value);
        byte[] frame = out.toByteArray();
        int length = frame.length - 4;
        checkLength(length);
        ByteBuffer.wrap(frame).putInt(length).put(type).putLong(job);
        return frame;
    }

    private void checkLength(int length) {
        if (length > maxFrameBytes) {
            throw new FrameTooLargeException("a frame of " + length + " bytes exceeds the limit of " + maxFrameBytes
                    + " bytes (option max.frame.bytes)");
        }
    }

    /** A frame that would exceed the bound: its content is fine, its size is not. */
    public static final class FrameTooLargeException extends IllegalArgumentException {
        FrameTooLargeException(String message) {
            super(message);
        }
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
