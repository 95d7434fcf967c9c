package org.celeriac.it;

import org.celeriac.broker.redis.testing.RedisServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** The distribution run the way a user runs it: a separate JVM, stopped with SIGTERM. */
class LauncherProcessIT {
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    @TempDir
    Path deploy;

    private static List<String> command(String... args) {
        return Distribution.command(args);
    }

    private final List<Thread> readers = new ArrayList<>();

    /** Collects a stream's lines on a daemon thread. */
    private BlockingQueue<String> lines(java.io.InputStream in, StringBuilder all) {
        BlockingQueue<String> queue = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (all) {
                        all.append(line).append('\n');
                    }
                    queue.add(line);
                }
            } catch (IOException e) {
                // process gone
            }
        });
        t.setDaemon(true);
        t.start();
        readers.add(t);
        return queue;
    }

    @Test
    void headlessWorkerFinishesRunningTasksOnSigtermAndExitsZero() throws Exception {
        int tasks = 6;
        List<String> args = new ArrayList<>(List.of("--no-shell", "--deploy-dir", deploy.toString(), "--pool", "threads",
                "--concurrency", "2"));
        for (int i = 0; i < tasks; i++) {
            args.addAll(List.of("-c", "celeriac:send sleep [1.5]"));
        }
        // One stream: Gogo's ThreadIO may route a thread's System.err to stdout, and order helps reading.
        Process p = new ProcessBuilder(command(args.toArray(String[]::new))).redirectErrorStream(true).start();
        StringBuilder err = new StringBuilder();
        BlockingQueue<String> stdout = lines(p.getInputStream(), err);
        try {
            List<String> ids = new ArrayList<>();
            while (ids.size() < tasks) {
                String line = stdout.poll(60, TimeUnit.SECONDS);
                assertTrue(line != null, "the launcher printed " + ids.size() + " task ids within 60 s; stderr:\n" + err);
                if (UUID.matcher(line.trim()).matches()) {
                    ids.add(line.trim());
                }
            }
            p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the streams we read
            assertTrue(p.waitFor(90, TimeUnit.SECONDS), "the launcher did not exit after SIGTERM");
            for (Thread reader : readers) {
                reader.join(10_000); // drain what the process wrote before it exited
            }
            String log;
            synchronized (err) {
                log = err.toString();
            }
            assertEquals(0, p.exitValue(), "exit status; stderr:\n" + log);
            Matcher accepted = Pattern.compile("letting (\\d+) accepted task\\(s\\) finish").matcher(log);
            assertTrue(accepted.find(), "no graceful shutdown in:\n" + log);
            int inFlight = Integer.parseInt(accepted.group(1));
            assertTrue(inFlight >= 1, "SIGTERM arrived while tasks ran: " + log);
            assertTrue(log.contains("worker stopped: " + inFlight + " task(s) finished during shutdown, 0 cut off"),
                    "every task that was running or queued finished:\n" + log);
            try (var left = Files.newDirectoryStream(Paths.get(System.getProperty("java.io.tmpdir")), "celeriac-felix-" + p.pid() + "-*")) {
                assertFalse(left.iterator().hasNext(), "the framework's storage is deleted when the worker stops");
            }
        } finally {
            p.destroyForcibly();
        }
    }

    /** Runs the launcher headless with {@code env}, the given -c commands, and stops it; returns its output. */
    private String runHeadless(Map<String, String> env, String... commands) throws Exception {
        List<String> args = new ArrayList<>(List.of("--no-shell", "--deploy-dir", deploy.toString(), "--pool", "threads"));
        for (String c : commands) {
            args.addAll(List.of("-c", c));
        }
        args.addAll(List.of("-c", "echo END-OF-COMMANDS"));
        ProcessBuilder pb = new ProcessBuilder(command(args.toArray(String[]::new))).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        StringBuilder all = new StringBuilder();
        BlockingQueue<String> out = lines(p.getInputStream(), all);
        try {
            for (String line; !(line = out.poll(60, TimeUnit.SECONDS)).contains("END-OF-COMMANDS"); ) {
                // read until the commands ran
            }
            p.toHandle().destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            for (Thread reader : readers) {
                reader.join(10_000);
            }
            synchronized (all) {
                return all.toString();
            }
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void brokerOptionsOnTheCommandLineConsumeFromRedis() throws Exception {
        try (RedisServer redis = RedisServer.start(); Jedis j = redis.client()) {
            TaskRequest task = TaskRequest.of("add", 2, 40);
            j.lpush("celery", MessageEncoder.task(task, "celery", 0));
            Process p = new ProcessBuilder(command("--no-shell", "--deploy-dir", deploy.toString(), "--pool", "threads",
                    "--broker", redis.url(), "-n", "celeriac@cli", "-Q", "celery,other", "-c", "celeriac:brokers"))
                    .redirectErrorStream(true).start();
            StringBuilder all = new StringBuilder();
            BlockingQueue<String> out = lines(p.getInputStream(), all);
            try {
                for (String line; !(line = out.poll(60, TimeUnit.SECONDS)).contains("celeriac@cli"); ) {
                    // until celeriac:brokers printed this broker
                }
                FelixContainer.await("the task's result", java.time.Duration.ofSeconds(60),
                        () -> j.exists("celery-task-meta-" + task.id()));
                assertTrue(j.get("celery-task-meta-" + task.id()).contains("\"result\":42"));
                assertTrue(j.sismember("_kombu.binding.other", "other\u0006\u0016\u0006\u0016other"), "-Q declared both queues");
                p.toHandle().destroy();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                for (Thread reader : readers) {
                    reader.join(10_000);
                }
                assertEquals(0, p.exitValue());
                synchronized (all) {
                    assertTrue(all.toString().contains("redis redis://127.0.0.1:" + redis.port() + "/0 queues [celery, other] node celeriac@cli"),
                            all.toString());
                    assertTrue(all.toString().contains("stopped consuming"), all.toString());
                }
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /**
     * The README's own set-up: a task bundle already in deploy/ when the worker starts, tasks arriving at once
     * from the shell and from Redis, on the default pool. The first prefork children (and the spare) must know
     * the task: FileInstall's initial scan installs and starts deploy/ at start level 1, before the worker (3)
     * starts its pool.
     */
    @Test
    void aTaskBundleInTheDeployFolderAtStartIsKnownToTheFirstPreforkChildren(@TempDir Path out) throws Exception {
        Path dist = Paths.get(System.getProperty("celeriac.dist"));
        Files.copy(dist.resolve("examples/celeriac-example-faults.jar"), deploy.resolve("faults.jar"));
        Path lines = out.resolve("appended.txt");
        int each = 250;
        try (RedisServer redis = RedisServer.start(); Jedis j = redis.client()) {
            List<String> brokered = new ArrayList<>();
            for (int i = 0; i < each; i++) {
                TaskRequest task = TaskRequest.of("append", lines.toString(), i);
                brokered.add(task.id());
                j.lpush("celery", MessageEncoder.task(task, "celery", 0));
            }
            List<String> args = new ArrayList<>(List.of("--no-shell", "--deploy-dir", deploy.toString(), "--broker", redis.url()));
            for (int i = each; i < 2 * each; i++) {
                args.addAll(List.of("-c", "celeriac:send append [\"" + lines + "\"," + i + "]"));
            }
            Process p = new ProcessBuilder(command(args.toArray(String[]::new))).redirectErrorStream(true).start();
            StringBuilder all = new StringBuilder();
            lines(p.getInputStream(), all);
            try {
                FelixContainer.await("500 lines appended by prefork children", java.time.Duration.ofSeconds(120),
                        () -> Files.exists(lines) && readLines(lines).size() >= 2 * each);
                List<String> written = readLines(lines);
                assertEquals(2 * each, written.size(), "each task ran once");
                assertEquals(2 * each, new java.util.HashSet<>(written).size(), "each task ran once");
                for (String id : brokered) {
                    FelixContainer.await("the result of " + id, java.time.Duration.ofSeconds(30), () -> j.exists("celery-task-meta-" + id));
                    assertTrue(j.get("celery-task-meta-" + id).contains("\"SUCCESS\""), j.get("celery-task-meta-" + id));
                }
                p.toHandle().destroy();
                assertTrue(p.waitFor(90, TimeUnit.SECONDS));
                for (Thread reader : readers) {
                    reader.join(10_000);
                }
                synchronized (all) {
                    assertEquals(0, p.exitValue(), all.toString());
                    assertFalse(all.toString().contains("unknown task"), all.toString());
                    assertTrue(all.toString().contains("using pool 'prefork'"), all.toString());
                }
            } finally {
                p.destroyForcibly();
            }
        }
    }

    /**
     * Ordinary OSGi task bundles run the same on every pool, prefork's child processes included: DS
     * references (field, constructor, optional and dynamic) are injected, and component configuration from a
     * {@code .cfg} in deploy/ applies. The worker is the shipped distribution, driven through its shell.
     */
    @Test
    void referencesAndConfigurationWorkTheSameOnEveryPool() throws Exception {
        Files.writeString(deploy.resolve("org.celeriac.examples.greeter.cfg"), "greeting = Salut\n");
        List<String> commands = new ArrayList<>();
        List<String> pools = List.of("threads", "green", "solo", "prefork");
        for (String pool : pools) {
            commands.add("celeriac:use " + pool);
            for (String task : List.of("greet", "greet.ctor", "greet.optional")) {
                commands.add("celeriac:result (celeriac:send " + task + " [\"Ada\"]) 30");
            }
            commands.add("celeriac:result (celeriac:send pid) 30");
        }
        String out = runHeadless(Map.of(), commands.toArray(String[]::new));
        List<String> results = out.lines().filter(l -> l.startsWith("SUCCESS ") || l.startsWith("FAILURE ")).toList();
        assertEquals(4 * pools.size(), results.size(), out);
        for (int p = 0; p < pools.size(); p++) {
            List<String> mine = results.subList(4 * p, 4 * p + 3);
            assertEquals(List.of("SUCCESS \"Salut, Ada\"", "SUCCESS \"Salut, Ada!\"", "SUCCESS \"Salut, Ada?\""), mine,
                    "on " + pools.get(p) + ":\n" + out);
        }
        long workerPid = Long.parseLong(results.get(3).substring("SUCCESS ".length()));
        long childPid = Long.parseLong(results.get(15).substring("SUCCESS ".length()));
        assertNotEquals(workerPid, childPid, "on prefork the tasks ran in a child process");
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file).stream().filter(l -> !l.isEmpty()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Test
    void theCustomPoolVariableRegistersAPoolOrExplainsWhatIsWrong() throws Exception {
        Path dist = Paths.get(System.getProperty("celeriac.dist"));
        Files.copy(dist.resolve("examples/celeriac-example-forkjoin.jar"), deploy.resolve("forkjoin.jar"));
        String good = runHeadless(Map.of("CELERIAC_CUSTOM_WORKER_POOL",
                        "org.celeriac.example-forkjoin:org.celeriac.examples.forkjoin.ForkJoinPoolService"),
                "celeriac:use custom", "x = celeriac:send add [20,22]", "celeriac:result $x 30", "lb");
        assertTrue(good.contains("using pool forkjoin"), good);
        assertTrue(good.contains("org.celeriac.example-forkjoin"), "what a -c command prints (lb) is shown: " + good);
        assertTrue(good.contains("SUCCESS 42"), good);

        String bad = runHeadless(Map.of("CELERIAC_CUSTOM_WORKER_POOL", "org.celeriac.example-forkjoin:no.Such"),
                "x = celeriac:send add [1,1]", "celeriac:result $x 30");
        assertTrue(bad.contains("CELERIAC_CUSTOM_WORKER_POOL='org.celeriac.example-forkjoin:no.Such'")
                && bad.contains("has no class no.Such"), bad);
        assertTrue(bad.contains("SUCCESS 2"), "the worker keeps running on its pool: " + bad);
    }

    /**
     * A worker killed with SIGKILL (no shutdown hook runs) while its prefork children are busy and idle leaves
     * no child behind: each notices its worker is gone and exits within seconds, mid-task too.
     */
    @Test
    void aWorkerKilledWithSigkillMidTaskLeavesNoChildBehind() throws Exception {
        Process p = new ProcessBuilder(command("--no-shell", "--deploy-dir", deploy.toString(), "--concurrency", "2",
                "-c", "celeriac:send sleep [60]")).redirectErrorStream(true).start();
        StringBuilder all = new StringBuilder();
        BlockingQueue<String> out = lines(p.getInputStream(), all);
        List<ProcessHandle> children;
        try {
            for (String line; !(line = out.poll(90, TimeUnit.SECONDS)).endsWith(" ready."); ) {
                // until the banner's last line: the children are up
            }
            String id = out.poll(60, TimeUnit.SECONDS); // celeriac:send prints the task's id
            assertTrue(id != null && id.matches("[0-9a-f-]{36}"), "the sleep was sent: " + id + "\n" + all);
            Thread.sleep(1_000); // a child has it by now (the pool hands a task over in microseconds)
            children = p.toHandle().children().toList();
            assertTrue(children.size() >= 2, "the children and the spare: " + children);
        } finally {
            p.toHandle().destroyForcibly(); // SIGKILL
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        for (ProcessHandle child : children) {
            FelixContainer.await("child " + child.pid() + " is gone after its worker's SIGKILL", java.time.Duration.ofSeconds(10),
                    () -> !child.isAlive());
        }
    }

    /**
     * Started headless with no broker, the worker starts its default pool at once and prints Celery's banner
     * when the pool is up: the prefork children it names are running, children of the worker, before the
     * "ready" line. {@code --quiet} leaves the banner out.
     */
    @Test
    void theBannerNamesLiveChildrenBeforeReadyAndQuietLeavesItOut() throws Exception {
        Process p = new ProcessBuilder(command("--no-shell", "--deploy-dir", deploy.toString(), "--concurrency", "2"))
                .redirectErrorStream(true).start();
        StringBuilder all = new StringBuilder();
        BlockingQueue<String> out = lines(p.getInputStream(), all);
        try {
            Matcher header = null;
            Matcher pool = null;
            for (String line; !(line = out.poll(90, TimeUnit.SECONDS)).endsWith(" ready."); ) {
                Matcher h = Pattern.compile("celeriac \\S+  (celeriac@\\S+) \\(pid (\\d+)\\)  Java \\d+  Apache Felix .*").matcher(line);
                Matcher m = Pattern.compile(" \\.> pool: +prefork, concurrency 2 \\(children (\\d+), (\\d+); 1 spare\\)").matcher(line);
                header = h.matches() ? h : header;
                pool = m.matches() ? m : pool;
            }
            assertTrue(header != null && pool != null, "the banner before 'ready':\n" + all);
            long workerPid = Long.parseLong(header.group(2));
            assertEquals(p.pid(), workerPid, "the banner names the worker's own pid");
            for (String child : List.of(pool.group(1), pool.group(2))) {
                ProcessHandle h = ProcessHandle.of(Long.parseLong(child)).orElseThrow(() -> new AssertionError("child " + child + " is not running"));
                assertEquals(workerPid, h.parent().map(ProcessHandle::pid).orElse(-1L), "child " + child + " is the worker's");
            }
            synchronized (all) {
                assertTrue(all.toString().contains("[tasks]\n  . add\n"), all.toString());
                assertTrue(all.toString().contains(" .> transport: none: tasks come from the shell"), all.toString());
            }
        } finally {
            p.toHandle().destroy();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        }
        Process quiet = new ProcessBuilder(command("--no-shell", "--quiet", "--deploy-dir", deploy.toString(), "--pool", "threads",
                "-c", "celeriac:stats")).redirectErrorStream(true).start();
        StringBuilder quietAll = new StringBuilder();
        BlockingQueue<String> quietOut = lines(quiet.getInputStream(), quietAll);
        try {
            for (String line; !(line = quietOut.poll(90, TimeUnit.SECONDS)).startsWith("pool threads"); ) {
                // until celeriac:stats printed
            }
        } finally {
            quiet.toHandle().destroy();
            assertTrue(quiet.waitFor(60, TimeUnit.SECONDS));
        }
        synchronized (quietAll) {
            assertFalse(quietAll.toString().contains("[tasks]") || quietAll.toString().contains(" ready."), quietAll.toString());
        }
    }

    /**
     * Nothing left behind: 20 runs of the default (prefork) worker, stopped with SIGTERM or SIGINT once ready or
     * refused at start ({@code --pool nosuch}), leave the temp folder's {@code celeriac-*} entries (Felix's
     * storage, the prefork socket directories with the children's storage) with nothing added.
     */
    @Test
    void twentyStartsAndStopsLeaveTheTempFolderAsTheyFoundIt() throws Exception {
        java.util.Set<String> before = celeriacTempEntries();
        for (int run = 0; run < 20; run++) {
            if (run % 3 == 2) {
                Process refused = new ProcessBuilder(command("--no-shell", "--deploy-dir", deploy.toString(), "--pool", "nosuch"))
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                assertTrue(refused.waitFor(90, TimeUnit.SECONDS));
                assertEquals(2, refused.exitValue(), "run " + run + ": a failed start");
                continue;
            }
            String signal = run % 3 == 0 ? "-TERM" : "-INT";
            List<String> worker = new ArrayList<>(command("--no-shell", "--deploy-dir", deploy.toString()));
            if (signal.equals("-INT")) {
                // As in a terminal: a test run in the background (CI) inherits SIGINT ignored, as POSIX has it for
                // background jobs, and the JVM then leaves it ignored; perl puts the default back and execs.
                worker.addAll(0, List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec @ARGV or die \"exec: $!\""));
            }
            Process p = new ProcessBuilder(worker).redirectErrorStream(true).start();
            StringBuilder all = new StringBuilder();
            BlockingQueue<String> out = lines(p.getInputStream(), all);
            try {
                for (String line; !(line = out.poll(90, TimeUnit.SECONDS)).endsWith(" ready."); ) {
                    // until the pool is up
                }
                assertEquals(0, new ProcessBuilder("kill", signal, Long.toString(p.pid())).start().waitFor());
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "run " + run + " stopped on SIG" + signal.substring(1) + ":\n" + all);
            } finally {
                p.destroyForcibly();
            }
        }
        java.util.Set<String> added = celeriacTempEntries();
        added.removeAll(before); // (some of those before may be gone: a start removes what dead workers left)
        assertEquals(java.util.Set.of(), added, "celeriac-* entries the 20 runs added to the temp folder");
    }

    private static java.util.Set<String> celeriacTempEntries() throws IOException {
        java.util.Set<String> names = new java.util.TreeSet<>();
        try (var entries = Files.newDirectoryStream(Paths.get(System.getProperty("java.io.tmpdir")), "celeriac-*")) {
            entries.forEach(e -> names.add(e.getFileName().toString()));
        }
        return names;
    }

    /**
     * Celery's {@code --autoscale MAX,MIN} on the launcher's command line, checked as a Celery user would: 200
     * sleeping tasks from a Python client grow the pool to 8 ({@code inspect stats}' autoscaler), every task
     * returns, and the pool is back at 1 after the keep-alive (1 s, from the worker's configuration in deploy/).
     */
    @Test
    void autoscaleOnTheCommandLineGrowsThePoolWhileTasksWaitAndShrinksItAfterwards() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(PythonCeleryIT.pythonCeleryInstalled(),
                "python3-celery is not installed (.ci/run installs it): skipping");
        Files.writeString(deploy.resolve("org.celeriac.worker.cfg"), "pool = threads\nautoscale.keepalive = 1.0\n");
        try (RedisServer redis = RedisServer.start()) {
            String node = "celeriac@autoscale";
            Process p = new ProcessBuilder(command("--no-shell", "--deploy-dir", deploy.toString(), "--pool", "threads",
                    "--autoscale", "8,1", "--broker", redis.url(), "-n", node)).redirectErrorStream(true).start();
            StringBuilder all = new StringBuilder();
            lines(p.getInputStream(), all);
            try {
                Process client = new ProcessBuilder("/usr/bin/python3", PythonCeleryIT.resource("/autoscale_client.py").toString(),
                        redis.url(), node, redis.url()).start();
                String stdout = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                String stderr = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(client.waitFor(3, TimeUnit.MINUTES) && client.exitValue() == 0, "the client failed:\n" + stderr + all);
                com.fasterxml.jackson.databind.JsonNode out = new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(stdout.substring(stdout.lastIndexOf('\n') + 1));
                assertTrue(out.get("all_done").asBoolean(), "every task returned: " + out);
                assertEquals(8, out.get("peak").asInt(), "grew to MAX while tasks waited: " + out);
                assertEquals(1, out.get("final").asInt(), "back to MIN after the keep-alive: " + out);
            } finally {
                p.toHandle().destroy();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    @Test
    void badOptionsGiveAClearErrorAndExitNonZero() throws Exception {
        Process p = new ProcessBuilder(command("--concurrency", "-3", "--no-shell", "--deploy-dir", deploy.toString()))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), output);
        assertTrue(output.contains("--concurrency must be >= 0"), output);

        Process typo = new ProcessBuilder(command("--pool", "thredas", "--no-shell", "--deploy-dir", deploy.toString()))
                .redirectErrorStream(true).start();
        String refused = new String(typo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(typo.waitFor(90, TimeUnit.SECONDS));
        assertEquals(2, typo.exitValue(), refused);
        assertTrue(refused.contains("--pool 'thredas' is not an installed pool; installed: prefork, threads, green")
                && refused.contains("did you mean 'threads'?"), refused);

        Process help = new ProcessBuilder(command("--help")).redirectErrorStream(true).start();
        String usage = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(help.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, help.exitValue());
        assertTrue(usage.contains("--pool") && usage.contains("--deploy-dir") && usage.contains("CELERIAC_CUSTOM_WORKER_POOL"), usage);
    }
}
