package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.celeriac.pool.prefork.child.ChildMain;

/** Why a child's process ended, in words a user can act on. */
final class ExitStatus {
    private ExitStatus() {
    }

    /**
     * Whether the child left through {@code System.exit} (or by returning from main): its shutdown hook marks
     * that beside the hub's socket ({@link ChildMain#exitMark}); {@code -XX:+ExitOnOutOfMemoryError} and
     * signals run no hooks. Reads and removes the mark.
     */
    static boolean exitedOrderly(Path socket, long pid) {
        try {
            return Files.deleteIfExists(ChildMain.exitMark(socket, pid));
        } catch (IOException e) {
            return false;
        }
    }

    /** Exit code 3 is an OutOfMemoryError only if the child did not call System.exit(3). */
    static String describe(int code, boolean orderly) {
        if (orderly && code <= 128) { // a JVM stopped by SIGTERM runs its hooks too, and exits with 143
            return "exited with code " + code + " (System.exit in a task, or its main returned)";
        }
        if (code == 3) {
            return "ran out of memory (exit code 3 from -XX:+ExitOnOutOfMemoryError; raise option child.heap)";
        }
        if (code > 128) {
            int signal = code - 128;
            String name = switch (signal) {
                case 9 -> "SIGKILL";
                case 15 -> "SIGTERM";
                case 11 -> "SIGSEGV";
                case 6 -> "SIGABRT";
                case 2 -> "SIGINT";
                default -> "signal " + signal;
            };
            return "was killed by signal " + signal + " (" + name + ")";
        }
        return "exited with code " + code;
    }
}
