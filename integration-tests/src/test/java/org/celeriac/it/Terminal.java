package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A real pseudo-terminal with a program in it, as a person sees it: a tmux session (Debian's {@code tmux},
 * installed by {@code .ci/run}) on a private server socket. Keys go in with {@code send-keys}; the screen comes
 * out with {@code capture-pane}, rendered by tmux (cursor moves, line redraws and colours applied, as on a
 * real screen). The program's exit status is written to a file when it ends.
 */
final class Terminal implements AutoCloseable {
    private final Path dir;
    private final String socket;
    private final Path exitFile;

    private Terminal(Path dir, String socket, Path exitFile) {
        this.dir = dir;
        this.socket = socket;
        this.exitFile = exitFile;
    }

    /** Skips the test (saying why) where tmux is not installed; CI installs it. */
    static void assumeTmux() {
        boolean found = false;
        try {
            found = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            // not installed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assumeTrue(found, "tmux is not installed (Debian package tmux; .ci/run installs it): the terminal tests need a real pseudo-terminal");
    }

    /** Runs {@code command} (a bash command line) in {@code workDir}, in a terminal of {@code columns} x {@code rows}. */
    static Terminal start(Path dir, Path workDir, String command, Map<String, String> env, int columns, int rows) throws Exception {
        Path exitFile = dir.resolve("exit-status");
        Files.deleteIfExists(exitFile);
        String socket = "celeriac-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        StringBuilder script = new StringBuilder("cd '" + workDir + "' && ");
        env.forEach((k, v) -> script.append(k).append("='").append(v).append("' "));
        script.append(command).append("; echo $? > '").append(exitFile).append("'; sleep 600");
        Terminal t = new Terminal(dir, socket, exitFile);
        t.tmux("new-session", "-d", "-x", String.valueOf(columns), "-y", String.valueOf(rows), "bash", "-c", script.toString());
        t.tmux("set-option", "-g", "history-limit", "20000");
        return t;
    }

    /** Types text, exactly (no key names interpreted). */
    void type(String text) throws Exception {
        tmux("send-keys", "-l", text);
    }

    /** Presses keys by tmux name: {@code Enter}, {@code Tab}, {@code C-c}, {@code C-d}, {@code Up}. */
    void press(String... keys) throws Exception {
        List<String> args = new ArrayList<>(List.of("send-keys"));
        args.addAll(List.of(keys));
        tmux(args.toArray(String[]::new));
    }

    /** Everything the terminal has shown, scroll-back included, wrapped lines joined, trailing blanks trimmed. */
    List<String> screen() throws Exception {
        String text = tmux("capture-pane", "-p", "-J", "-S", "-");
        List<String> lines = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            lines.add(line.stripTrailing());
        }
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return lines;
    }

    /** Waits until the screen satisfies {@code condition}; fails with the screen if it does not in time. */
    List<String> await(String what, Duration timeout, Predicate<List<String>> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            List<String> screen = screen();
            if (condition.test(screen)) {
                return screen;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the terminal did not show " + what + " within " + timeout + "; it shows:\n"
                        + String.join("\n", screen));
            }
            Thread.sleep(50); // polling a screen: there is no event to wait for
        }
    }

    /** The program's exit status once it has ended. */
    Optional<Integer> exitStatus() throws IOException {
        if (!Files.exists(exitFile)) {
            return Optional.empty();
        }
        String s = Files.readString(exitFile).trim();
        return s.isEmpty() ? Optional.empty() : Optional.of(Integer.parseInt(s));
    }

    int awaitExit(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (exitStatus().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the program did not exit within " + timeout + "; the terminal shows:\n"
                        + String.join("\n", screen()));
            }
            Thread.sleep(100);
        }
        return exitStatus().orElseThrow();
    }

    private String tmux(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", socket));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("TMUX_TMPDIR", dir.toString());
        pb.environment().remove("TMUX");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "tmux " + String.join(" ", args) + ": " + out);
        return out;
    }

    @Override
    public void close() throws Exception {
        try {
            tmux("kill-server");
        } catch (AssertionError alreadyGone) {
            // the server ended with its session
        }
    }
}
