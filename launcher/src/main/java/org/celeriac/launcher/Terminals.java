package org.celeriac.launcher;

import java.io.Console;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.lang.reflect.Method;

/** Whether a person is at the other end of standard input, and where their shell history goes. */
final class Terminals {
    private Terminals() {
    }

    /**
     * The console's history file, kept across runs and shared by every distribution the user runs (like a
     * shell's): {@code CELERIAC_HISTORY}, else {@code ~/.celeriac/history}. Its folder is created private (0700).
     */
    static Path historyFile() {
        String env = System.getenv("CELERIAC_HISTORY");
        Path file = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".celeriac", "history");
        Path dir = file.toAbsolutePath().getParent();
        try {
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException | UnsupportedOperationException e) {
            // JLine reports a history it cannot save; the shell works without one
        }
        return file;
    }

    /**
     * True when standard input and output are a terminal. Up to JDK 21 {@link System#console()} is null
     * otherwise; from JDK 22 it may return a console for pipes too, and {@code Console.isTerminal()} tells.
     */
    static boolean stdinIsTerminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true; // JDK 21: a non-null console is a terminal
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }
}
