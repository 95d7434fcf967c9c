package org.celeriac.pool.prefork.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec(1024);

    @Test
    void roundTripsFramesFedInAnyPieces() throws Exception {
        Frame a = new Frame(Frame.TASK, 42, "{\"id\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        Frame b = new Frame(Frame.SHUTDOWN, 0, new byte[0]);
        ByteBuffer ea = codec.encode(a);
        ByteBuffer eb = codec.encode(b);
        ByteBuffer both = ByteBuffer.allocate(ea.remaining() + eb.remaining()).put(ea).put(eb).flip();
        FrameCodec reader = new FrameCodec(1024);
        while (both.hasRemaining()) { // one byte at a time: the worst split the network can do
            reader.feed(ByteBuffer.wrap(new byte[] {both.get()}));
        }
        Frame ra = reader.next();
        assertEquals(Frame.TASK, ra.type());
        assertEquals(42, ra.job());
        assertEquals("{\"id\":\"x\"}", new String(ra.payload(), StandardCharsets.UTF_8));
        Frame rb = reader.next();
        assertEquals(Frame.SHUTDOWN, rb.type());
        assertArrayEquals(new byte[0], rb.payload());
        assertNull(reader.next());
    }

    @Test
    void aTruncatedFrameWaitsForTheRest() throws Exception {
        ByteBuffer whole = ByteBuffer.wrap(codec.encodeJson(Frame.RESULT, 7, Map.of("ok", true)));
        byte[] bytes = new byte[whole.remaining()];
        whole.get(bytes);
        FrameCodec reader = new FrameCodec(1024);
        reader.feed(ByteBuffer.wrap(bytes, 0, bytes.length - 1));
        assertNull(reader.next());
        reader.feed(ByteBuffer.wrap(bytes, bytes.length - 1, 1));
        assertEquals(7, reader.next().job());
    }

    @Test
    void aJsonFrameIsWrittenStraightIntoItsWireForm() throws Exception {
        byte[] wire = codec.encodeJson(Frame.TASK, 9, Map.of("id", "é", "args", List.of(1, 2)));
        FrameCodec reader = new FrameCodec(1024);
        reader.feed(ByteBuffer.wrap(wire));
        Frame f = reader.next();
        assertEquals(Frame.TASK, f.type());
        assertEquals(9, f.job());
        assertEquals(Map.of("id", "é", "args", List.of(1, 2)), Payloads.readObject(f));
        assertNull(reader.next());
        assertThrows(FrameCodec.FrameTooLargeException.class, () -> codec.encodeJson(Frame.RESULT, 1, Map.of("v", "x".repeat(2000))));
        IllegalArgumentException notJson = assertThrows(IllegalArgumentException.class,
                () -> codec.encodeJson(Frame.RESULT, 1, Map.of("v", new Object())));
        assertTrue(!(notJson instanceof FrameCodec.FrameTooLargeException) && notJson.getMessage().startsWith("value.v holds a"),
                notJson.getMessage());
    }

    @Test
    void oversizedFramesAreRefusedOnBothSides() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> codec.encode(new Frame(Frame.TASK, 1, new byte[2000])));
        assertTrue(e.getMessage().contains("exceeds the limit of 1024"), e.getMessage());
        FrameCodec reader = new FrameCodec(1024);
        reader.feed(ByteBuffer.allocate(4).putInt(5000).flip());
        ProtocolException p = assertThrows(ProtocolException.class, reader::next);
        assertTrue(p.getMessage().contains("5000"), p.getMessage());
    }

    @Test
    void garbageIsAProtocolErrorNeverAHugeAllocation() {
        Random random = new Random(1);
        for (int i = 0; i < 1000; i++) {
            byte[] junk = new byte[64];
            random.nextBytes(junk);
            FrameCodec reader = new FrameCodec(1024);
            reader.feed(ByteBuffer.wrap(junk));
            try {
                for (Frame f; (f = reader.next()) != null; ) {
                    assertTrue(f.payload().length <= 1024);
                }
            } catch (ProtocolException expected) {
                // the usual outcome
            }
        }
        FrameCodec reader = new FrameCodec(1024);
        reader.feed(ByteBuffer.allocate(13).putInt(9).put((byte) 99).putLong(0).flip());
        assertTrue(assertThrows(ProtocolException.class, reader::next).getMessage().contains("unknown frame type 99"));
        FrameCodec negative = new FrameCodec(1024);
        negative.feed(ByteBuffer.allocate(4).putInt(-1).flip());
        assertThrows(ProtocolException.class, negative::next);
    }
}
