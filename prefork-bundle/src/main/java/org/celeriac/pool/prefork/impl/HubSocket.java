package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Unix-domain socket children connect to, in a directory only this user can enter (0700); the
 * directory also holds the children's framework storage, configurations and exit marks, and goes with it.
 * Each child must still prove its own secret ({@link ChildChannels}).
 */
record HubSocket(Path dir, Path path, ServerSocketChannel server) {
    private static final String PREFIX = "celeriac-prefork-";
    /** Named after the worker's pid, so that a later start can tell one left by a killed worker (SIGKILL). */
    private static final Pattern OWNED = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-.*");

    /** Orphans are looked for once per worker process, not at every pool start (hot-swaps start pools). */
    private static final AtomicBoolean ORPHANS_REMOVED = new AtomicBoolean();

    static HubSocket open() throws IOException {
        if (ORPHANS_REMOVED.compareAndSet(false, true)) {
            removeOrphans();
        }
        Path dir = Files.createTempDirectory(PREFIX + ProcessHandle.current().pid() + "-",
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
        delete(dir);
    }

    /** Best effort: the directories of workers that are gone (their children died with their socket). */
    private static void removeOrphans() {
        try (var dirs = Files.newDirectoryStream(Path.of(System.getProperty("java.io.tmpdir")), PREFIX + "*")) {
            for (Path d : dirs) {
                Matcher m = OWNED.matcher(d.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false)) {
                    continue; // a running worker's
                }
                if (m.matches() && Files.isWritable(d)) {
                    delete(d);
                }
            }
        } catch (IOException | RuntimeException e) {
            // others' leftovers: not this pool's concern if they cannot be read
        }
    }

    private static void delete(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
