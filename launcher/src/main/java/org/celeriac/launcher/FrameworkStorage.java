package org.celeriac.launcher;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The framework's cache: a temp directory of its own per process (several workers run from one
 * installation, Celery's {@code -n w1}, {@code -n w2}), named after the process, deleted when the process
 * stops, and, for a process that could not delete it (SIGKILL, a crash), by the next start that finds its
 * process gone. Each holds a copy of every bundle (~7 MB); left behind they filled temp folders.
 */
final class FrameworkStorage {
    private static final String PREFIX = "celeriac-felix-";
    private static final Pattern OWNED = Pattern.compile(Pattern.quote(PREFIX) + "(\\d+)-.*");

    private FrameworkStorage() {
    }

    /** A fresh directory for this process, after deleting those of processes that are gone. */
    static Path create() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, PREFIX + "*")) {
            for (Path dir : dirs) {
                Matcher m = OWNED.matcher(dir.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive).orElse(false)) {
                    continue; // another worker's, in use
                }
                if (m.matches() || Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(Duration.ofDays(1)))) {
                    delete(dir); // a gone process's; or, from a version that did not name its owner, a day old
                }
            }
        } catch (IOException | RuntimeException e) {
            // cleaning up after others is best effort
        }
        return Files.createTempDirectory(PREFIX + ProcessHandle.current().pid() + "-");
    }

    static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).toList().forEach(f -> f.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // what is left is found and deleted by a later start
        }
    }
}
