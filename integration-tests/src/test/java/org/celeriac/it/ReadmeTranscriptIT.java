package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console as a person uses it: the distribution as shipped (the tar.gz, unpacked elsewhere), started with
 * {@code ./bin/celeriac} in a real pseudo-terminal, keys typed, the screen read. The README's session is
 * replayed line by line, so what it shows is what a person sees.
 */
class ReadmeTranscriptIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    private static final String PROMPT = "g!";

    @TempDir
    static Path work;
    private static Path dist;

    /** Unpacks the shipped archive, as a user would: its modes must make ./bin/celeriac runnable. */
    @BeforeAll
    static void unpackTheDistribution() throws Exception {
        Terminal.assumeTmux();
        Path archive = Paths.get(System.getProperty("celeriac.dist.archive"));
        assertTrue(Files.isRegularFile(archive), "no distribution archive " + archive);
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", work.toString()).inheritIO().start();
        assertEquals(0, tar.waitFor(), "tar -xzf " + archive);
        try (var entries = Files.list(work)) {
            dist = entries.filter(p -> p.getFileName().toString().startsWith("celeriac-")).findFirst().orElseThrow();
        }
        assertTrue(Files.isExecutable(dist.resolve("bin/celeriac")), "bin/celeriac is executable once unpacked");
    }

    private static Terminal celeriac(Path dir, String args) throws Exception {
        return Terminal.start(dir, dist, "./bin/celeriac " + args,
                Map.of("CELERIAC_HISTORY", dir.resolve("history").toString()), 160, 50);
    }

    @Test
    void theReadmeSessionIsWhatAPersonSees() throws Exception {
        List<String> transcript = transcript(Files.readAllLines(Paths.get(System.getProperty("celeriac.readme"))));
        Path dir = Files.createDirectories(work.resolve("readme"));
        Terminal terminal = null;
        String id = null;
        boolean afterAction = false;
        try {
            for (int i = 0; i < transcript.size(); i++) {
                String line = transcript.get(i);
                List<String> expected = new ArrayList<>();
                while (i + 1 < transcript.size() && !isInput(transcript.get(i + 1))) {
                    expected.add(transcript.get(++i));
                }
                if (line.startsWith("$ ")) {
                    String command = line.substring(2).replaceAll("\\s+#.*$", "").trim();
                    if (command.startsWith("cd ")) {
                        continue; // the test is already in the unpacked distribution
                    }
                    if (command.startsWith("bin/celeriac")) {
                        terminal = celeriac(dir, command.substring("bin/celeriac".length()).trim());
                        int from = 0;
                        awaitLines(terminal, from, expected, "the start-up of " + command);
                        continue;
                    }
                    Process p = new ProcessBuilder("bash", "-c", command).directory(dist.toFile()).inheritIO().start();
                    assertEquals(0, p.waitFor(), command);
                    afterAction = true;
                    continue;
                }
                String input = line.substring(PROMPT.length() + 1);
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                for (;;) {
                    int mark = awaitPrompt(terminal);
                    typeLine(terminal, id == null ? input : input.replace("<id>", id));
                    if (input.equals("<Ctrl-D>")) {
                        awaitLines(terminal, mark, expected, "Ctrl-D");
                        assertEquals(0, terminal.awaitExit(WAIT), "exit status after Ctrl-D");
                        return;
                    }
                    awaitPrompt(terminal, mark + 1);
                    // One capture: two could differ (the worker logs while the test reads), and a second,
                    // longer one's size once ran past the end of the first.
                    List<String> screen = terminal.screen();
                    List<String> output = screen.subList(Math.min(mark, screen.size()), screen.size());
                    Matcher found = match(output, expected);
                    if (found != null) {
                        if (found.groupCount() > 0 && found.group(1) != null) {
                            id = found.group(1);
                        }
                        break;
                    }
                    // Right after an action in "another terminal" (a bundle dropped into deploy/), the container
                    // may not have seen it yet: a person would look again, and so does the test, for a while.
                    if (!afterAction || System.nanoTime() > deadline) {
                        throw new AssertionError("after 'g! " + input + "' the README shows:\n" + String.join("\n", expected)
                                + "\nbut the terminal shows:\n" + String.join("\n", output));
                    }
                }
                afterAction = false;
            }
            throw new AssertionError("the README session does not end with Ctrl-D");
        } finally {
            if (terminal != null) {
                terminal.close();
            }
        }
    }

    @Test
    void ctrlCNeverStopsTheWorkerHistoryOutlivesItAndJsonIsTakenAsTyped() throws Exception {
        Path dir = Files.createDirectories(work.resolve("keys"));
        Path deploy = Files.createDirectories(dir.resolve("deploy"));
        try (Terminal terminal = celeriac(dir, "--pool threads --deploy-dir " + deploy)) {
            int mark = awaitPrompt(terminal);
            // A log line while a person types goes above the prompt; what was typed stays on the prompt line.
            terminal.type("celeriac:stat");
            Files.writeString(deploy.resolve("org.celeriac.worker.cfg"), "pool = green\n");
            List<String> seen = terminal.await("the hot-swap logged above the line being typed", WAIT,
                    s -> s.stream().anyMatch(l -> l.contains("now using pool 'green'")) && s.get(s.size() - 1).equals("g! celeriac:stat"));
            assertTrue(seen.subList(mark, seen.size()).stream().filter(l -> l.startsWith("g!")).count() == 1,
                    "one prompt line, not a garbled one per log line:\n" + String.join("\n", seen));
            terminal.type("s");
            terminal.press("Enter");
            terminal.await("the stats of the green pool", WAIT, s -> s.stream().anyMatch(l -> l.startsWith("pool green")));
            mark = awaitPrompt(terminal, mark + 1);
            // Ctrl-C at the prompt drops the line being typed; the worker goes on.
            terminal.type("celeriac:send sleep [100]");
            terminal.press("C-c");
            mark = awaitPrompt(terminal, mark + 1);
            // Ctrl-C while a command waits interrupts the command, not the worker.
            terminal.type("x = celeriac:send sleep [30]");
            terminal.press("Enter");
            mark = awaitPrompt(terminal, mark + 1);
            terminal.type("celeriac:result $x 60");
            terminal.press("Enter");
            terminal.await("the command waiting", WAIT, s -> s.get(s.size() - 1).startsWith("g! celeriac:result"));
            Thread.sleep(500); // the command runs: nothing on the screen tells, a person waits as long
            terminal.press("C-c");
            mark = awaitPrompt(terminal, mark + 1, Duration.ofSeconds(15)); // well before the 30 s task ends
            assertTrue(terminal.exitStatus().isEmpty(), "the worker still runs after Ctrl-C");
            // Tab completes a task id after celeriac:terminate (and celeriac:result).
            List<String> shown = terminal.screen();
            String id = shown.get(shown.indexOf("g! x = celeriac:send sleep [30]") + 1).trim();
            terminal.type("celeriac:terminate " + id.substring(0, 8));
            terminal.press("Tab");
            terminal.await("the task id completed", WAIT, s -> s.get(s.size() - 1).startsWith("g! celeriac:terminate " + id));
            terminal.press("Enter");
            terminal.await("the task terminated", WAIT, s -> s.contains("terminated " + id));
            mark = awaitPrompt(terminal, mark + 1);
            // JSON exactly as typed, nested and with commas and spaces in strings; and what Gogo cannot take, a hint.
            terminal.type("celeriac:result (celeriac:send echo [[1,2],{\"k\":\"v\"},\"a, b\",-1.5e3,false]) 10");
            terminal.press("Enter");
            List<String> screen = terminal.await("the echo result", WAIT, s -> s.stream().anyMatch(l -> l.startsWith("SUCCESS [")));
            assertTrue(screen.contains("SUCCESS [[1,2],{\"k\":\"v\"},\"a, b\",-1500.0,false]"), String.join("\n", screen));
            mark = awaitPrompt(terminal, mark + 1);
            terminal.type("celeriac:send echo [{\"k\":[1,2]}]");
            terminal.press("Enter");
            screen = terminal.await("the quoting hint", WAIT, s -> s.stream().anyMatch(l -> l.contains("put JSON objects in single quotes")));
            mark = awaitPrompt(terminal, mark + 1);
            terminal.type("shutdown");
            terminal.press("Enter");
            assertEquals(0, terminal.awaitExit(WAIT), "exit status after shutdown");
        }
        // History is kept across runs: Up at the next start recalls the last command of this one.
        try (Terminal terminal = celeriac(dir, "--pool threads")) {
            awaitPrompt(terminal);
            terminal.press("Up");
            terminal.await("the last command of the previous run", WAIT, s -> s.get(s.size() - 1).equals("g! shutdown"));
            terminal.press("C-u", "C-d");
            assertEquals(0, terminal.awaitExit(WAIT), "exit status after Ctrl-D");
        }
        assertFalse(Files.readString(dir.resolve("history")).isEmpty());
    }

    /** Types a README input line: {@code <Tab>} presses Tab (and waits for the completion), {@code <Ctrl-D>} Ctrl-D. */
    private static void typeLine(Terminal terminal, String input) throws Exception {
        if (input.equals("<Ctrl-D>")) {
            terminal.press("C-d");
            return;
        }
        String[] parts = input.split("<Tab>", -1);
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].isEmpty()) {
                terminal.type(parts[i]);
            }
            if (i < parts.length - 1) {
                String before = PROMPT + " " + String.join("", java.util.Arrays.copyOf(parts, i + 1));
                terminal.await("the screen before Tab", WAIT, s -> s.get(s.size() - 1).equals(before.stripTrailing()));
                terminal.press("Tab");
                terminal.await("Tab completing '" + before + "'", WAIT, s -> !s.get(s.size() - 1).equals(before.stripTrailing()));
            }
        }
        terminal.press("Enter");
    }

    /** Waits for an empty prompt as the last line; returns its line number. */
    private static int awaitPrompt(Terminal terminal) throws Exception {
        return awaitPrompt(terminal, 0);
    }

    private static int awaitPrompt(Terminal terminal, int after) throws Exception {
        return awaitPrompt(terminal, after, WAIT);
    }

    private static int awaitPrompt(Terminal terminal, int after, Duration timeout) throws Exception {
        List<String> screen = terminal.await("a prompt", timeout, s -> s.size() > after && s.get(s.size() - 1).equals(PROMPT));
        return screen.size() - 1;
    }

    private static void awaitLines(Terminal terminal, int from, List<String> expected, String what) throws Exception {
        terminal.await("what the README shows after " + what + ":\n" + String.join("\n", expected), WAIT,
                s -> match(s.subList(Math.min(from, s.size()), s.size()), expected) != null);
    }

    /**
     * Whether the screen shows the expected lines in order (other lines, e.g. log lines, may come between);
     * {@code <id>} matches a task id (captured as group 1), {@code <time>} a log time stamp, {@code <n>} a number,
     * {@code <host>} a host name, {@code <path>} a path.
     */
    static Matcher match(List<String> screen, List<String> expected) {
        List<String> wanted = expected.stream().map(String::stripTrailing).filter(l -> !l.isEmpty()).toList();
        Matcher captured = Pattern.compile("()").matcher("");
        captured.find();
        int at = 0;
        for (String line : wanted) {
            Pattern p = Pattern.compile(Pattern.quote(line).replace("<id>", "\\E(" + UUID + ")\\Q")
                    .replace("<time>", "\\E\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\Q").replace("<n>", "\\E\\d+\\Q")
                    .replace("<host>", "\\E[\\w.-]+\\Q").replace("<path>", "\\E\\S+\\Q"));
            Matcher m = null;
            while (at < screen.size() && !(m = p.matcher(screen.get(at))).matches()) {
                at++;
            }
            if (at == screen.size()) {
                return null;
            }
            at++;
            if (line.contains("<id>")) {
                captured = m;
            }
        }
        return captured;
    }

    /** The README's console session: the block after "A session, step by step". */
    static List<String> transcript(List<String> readme) {
        int start = -1;
        for (int i = 0; i < readme.size(); i++) {
            if (readme.get(i).startsWith("A session, step by step")) {
                start = i;
            }
            if (start >= 0 && readme.get(i).equals("```console")) {
                int end = readme.subList(i + 1, readme.size()).indexOf("```") + i + 1;
                return readme.subList(i + 1, end);
            }
        }
        throw new AssertionError("the README has no console session after 'A session, step by step'");
    }

    private static boolean isInput(String line) {
        return line.startsWith("$ ") || line.startsWith(PROMPT + " ");
    }
}
