package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.celeriac.pool.prefork.protocol.Frame;
import org.celeriac.pool.prefork.protocol.FrameCodec;
import org.celeriac.pool.prefork.protocol.Payloads;
import org.celeriac.pool.prefork.protocol.ProtocolException;

/**
 * The children's connections: accepting them, the handshake (a connection belongs to a child only once it
 * has sent HELLO with that child's index and secret), non-blocking reads into frames and gathering writes of
 * what each child's {@link Child#toWrite} holds. Hub thread only; a frame from a known child goes to the
 * {@link FrameHandler}.
 */
final class ChildChannels {
    private static final System.Logger LOG = System.getLogger(ChildChannels.class.getName());

    /** Handles one frame from a child that passed the handshake. */
    @FunctionalInterface
    interface FrameHandler {
        void onFrame(Child c, Frame f) throws ProtocolException;
    }

    /** A connection that has not proven its secret yet. */
    private record Unmatched(FrameCodec codec) {
    }

    private final ServerSocketChannel server;
    private final int maxFrameBytes;
    private final List<Child> children;
    private final FrameHandler handler;
    /** Told of a child that broke the protocol: it cannot be trusted with its task any more. */
    private final BiConsumer<Child, String> onProtocolError;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);

    ChildChannels(ServerSocketChannel server, int maxFrameBytes, List<Child> children, FrameHandler handler,
                  BiConsumer<Child, String> onProtocolError) {
        this.server = server;
        this.maxFrameBytes = maxFrameBytes;
        this.children = children;
        this.handler = handler;
        this.onProtocolError = onProtocolError;
    }

    /** Handles the selected keys: new connections, writable and readable channels. */
    void process(Selector selector) throws IOException {
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey key = it.next();
            it.remove();
            if (!key.isValid()) {
                continue;
            }
            if (key.isAcceptable()) {
                SocketChannel ch = server.accept();
                if (ch != null) {
                    ch.configureBlocking(false);
                    ch.register(selector, SelectionKey.OP_READ, new Unmatched(new FrameCodec(maxFrameBytes)));
                }
                continue;
            }
            if (key.isWritable() && key.attachment() instanceof Child c) {
                flush(c);
            }
            if (key.isValid() && key.isReadable()) {
                read(key);
            }
        }
    }

    /** Reads what an ended child wrote and the hub has not read yet (its socket's buffer outlives it). */
    void readRemaining(Child c) {
        if (c.key != null && c.key.isValid()) {
            read(c.key);
        }
    }

    private void read(SelectionKey key) {
        SocketChannel ch = (SocketChannel) key.channel();
        FrameCodec codec = key.attachment() instanceof Child c ? c.codec : ((Unmatched) key.attachment()).codec();
        try {
            int n = 0;
            boolean drained = false;
            // A read that leaves room in the buffer took all the socket had (a stream socket returns what it
            // holds): no second read just to hear "nothing more" (EAGAIN); what comes later, the end of the
            // stream included, the selector reports again.
            while (!drained && (n = ch.read(readBuffer)) > 0) {
                drained = readBuffer.hasRemaining();
                readBuffer.flip();
                codec.feed(readBuffer);
                readBuffer.clear();
                for (Frame f; (f = codec.next()) != null; ) {
                    if (key.attachment() instanceof Child c) {
                        handler.onFrame(c, f);
                    } else if (!hello(key, ch, codec, f)) {
                        return;
                    }
                }
            }
            if (n < 0) {
                endOfStream(key, "closed its connection");
            }
        } catch (ProtocolException e) {
            if (key.attachment() instanceof Child c) {
                onProtocolError.accept(c, "sent a malformed frame: " + e.getMessage());
            } else {
                close(key);
            }
        } catch (IOException e) {
            endOfStream(key, "connection failed: " + e.getMessage());
        }
    }

    /** The handshake: the first frame must be HELLO with a waiting child's index and secret (compared in constant time). */
    private boolean hello(SelectionKey key, SocketChannel ch, FrameCodec codec, Frame f) throws ProtocolException {
        if (f.type() != Frame.HELLO) {
            LOG.log(Level.WARNING, "rejected a connection that did not start with HELLO");
            close(key);
            return false;
        }
        Map<String, Object> hello = Payloads.readObject(f);
        byte[] secret = String.valueOf(hello.get("secret")).getBytes(StandardCharsets.UTF_8);
        for (Child c : children) {
            if (hello.get("index") instanceof Number i && c.index == i.intValue() && c.channel == null && !c.gone
                    && MessageDigest.isEqual(c.secret.getBytes(StandardCharsets.UTF_8), secret)) {
                c.channel = ch;
                c.codec = codec;
                c.key = key;
                c.state = Child.State.CONNECTED;
                key.attach(c);
                return true;
            }
        }
        LOG.log(Level.WARNING, "rejected a connection to the prefork socket: wrong child secret");
        close(key);
        return false;
    }

    /** Writes what every child's channel takes now. */
    void flushAll() {
        for (Child c : children) {
            if (!c.toWrite.isEmpty()) {
                flush(c);
            }
        }
    }

    /** Writes what the child's channel takes now (several frames in one gathering write); the rest waits for OP_WRITE. */
    private void flush(Child c) {
        if (c.channel == null) {
            return;
        }
        try {
            c.channel.write(c.toWrite.toArray(ByteBuffer[]::new));
            while (!c.toWrite.isEmpty() && !c.toWrite.peek().hasRemaining()) {
                c.toWrite.poll();
            }
            c.key.interestOps(c.toWrite.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        } catch (IOException e) {
            endOfStream(c.key, "write failed: " + e.getMessage());
        }
    }

    /** The connection ended: a child should now exit; the supervisor kills it if it does not within a grace. */
    private static void endOfStream(SelectionKey key, String why) {
        close(key);
        if (key.attachment() instanceof Child c) {
            c.channel = null;
            c.eofNanos = System.nanoTime();
            LOG.log(Level.DEBUG, () -> c.describe() + " " + why);
        }
    }

    static void close(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
