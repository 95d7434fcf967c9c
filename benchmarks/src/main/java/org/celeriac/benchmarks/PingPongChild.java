package org.celeriac.benchmarks;

import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** The raw baseline's other JVM: echoes every 64-byte frame it reads on a Unix-domain socket, until EOF. */
public final class PingPongChild {
    private PingPongChild() {
    }

    public static void main(String[] args) throws Exception {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(Path.of(args[0])))) {
            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
            while (ch.read(buf) >= 0) {
                buf.flip();
                int whole = buf.remaining() / PreforkBench.FRAME * PreforkBench.FRAME;
                ByteBuffer out = buf.duplicate().limit(buf.position() + whole);
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                buf.position(buf.position() + whole);
                buf.compact();
            }
        }
    }
}
