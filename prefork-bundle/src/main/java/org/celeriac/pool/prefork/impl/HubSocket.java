package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;

/**
 * The Unix-domain socket children connect to, in a directory only this user can enter (0700); the
 * directory also holds the children's framework storage, configurations and exit marks, and goes with it.
 * Each child must still prove its own secret ({@link ChildChannels}).
 */
record HubSocket(Path dir, Path path, ServerSocketChannel server) {

    static HubSocket open() throws IOException {
        Path dir = Files.createTempDirectory("celeriac-prefork-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path path = dir.resolve("hub.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        server.configureBlocking(false);
        return new HubSocket(dir, path, server);
    }

    /** Closes the socket and removes the directory with everything in it. */
    void close() throws IOException {
        server.close();
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
