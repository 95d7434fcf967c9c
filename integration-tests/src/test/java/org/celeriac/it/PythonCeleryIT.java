package org.celeriac.it;

import org.celeriac.broker.redis.testing.RedisServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.Worker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Python Celery (Debian's {@code python3-celery}) sends tasks to a Celeriac worker in a real Felix container
 * through a real {@code redis-server} (broker in database 0, results in database 1), on every pool, and reads results, errors, revocations and
 * remote-control replies with Celery's own API ({@code src/test/resources/celery_client.py}).
 */
class PythonCeleryIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PYTHON = "/usr/bin/python3";
    private static final String NODE = "celeriac@python-it";
    private static RedisServer redis;
    private static FelixContainer felix;
    private static Worker worker;

    @BeforeAll
    static void boot() throws Exception {
        Assumptions.assumeTrue(pythonCeleryInstalled(), "python3-celery is not installed (Debian packages "
                + "python3-celery, python3-redis; .ci/run installs them): skipping the Python interop test");
        redis = RedisServer.start();
        felix = FelixContainer.start(true);
        felix.install(FelixContainer.extraBundle("celeriac-prefork.jar"));
        @SuppressWarnings("unchecked")
        ServiceReference<Worker> ref = (ServiceReference<Worker>) felix.awaitService(Worker.class.getName(), null, WAIT);
        worker = felix.context().getService(ref);
        ConfigurationAdmin admin = felix.context().getService(felix.context().getServiceReference(ConfigurationAdmin.class));
        // Celery's -E and task_track_started on the broker alone: starts come from the task handles, not from
        // the pools' own Event Admin events (the worker's task.events stays off).
        // Results in another database, as many Celery apps configure them (backend='redis://…/1').
        admin.getConfiguration("org.celeriac.broker.redis", "?").update(new Hashtable<>(Map.of(
                "url", redis.url(), "hostname", NODE, "poll.interval", 0.05, "task.events", true, "track.started", true, "result.extended", true,
                "result.backend", backendUrl())));
        felix.awaitService(Broker.class.getName(), "(broker.name=redis)", WAIT);
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (felix != null) {
            felix.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"threads", "green", "solo", "prefork"})
    void pythonClientGetsResultsFromEveryPool(String pool) throws Exception {
        worker.use(pool, pool.equals("solo") ? 1 : 2);
        JsonNode out = runClient();
        assertEquals(5, out.get("add").asInt());
        assertTrue(out.get("heartbeat").asBoolean(), "a Python event receiver sees worker-heartbeat");
        assertEquals("[\"task-received\",\"task-started\",\"task-succeeded\"]", out.get("task_events").toString());
        assertEquals("[\"task-failed\",\"task-received\",\"task-started\"]", out.get("failed_events").toString());
        assertEquals(new ObjectMapper().readTree("{\"args\":[1],\"kwargs\":{\"k\":\"v\"}}"), out.get("kwargs"));
        assertTrue(out.get("nan_inf").asBoolean(), "NaN and Infinity as Python's json sends them: " + out);
        assertEquals("[\"add\",[7,8],\"" + NODE + "\",\"celery\"]", out.get("result_extended").toString(),
                "result_extended: AsyncResult.name, .args, .worker, .queue");
        assertTrue(out.get("event_repr").asBoolean(), "event args/kwargs are Python repr strings, as Celery sends them");
        assertEquals("IllegalStateException", out.at("/fail/type").asText(), out.toString());
        assertEquals("boom", out.at("/fail/message").asText());
        assertEquals("NotRegistered", out.at("/unknown/type").asText(), "Celery's own exception class");
        assertEquals(2, out.get("countdown").asInt());
        assertTrue(out.get("countdown_waited").asDouble() >= 0.9, "held until its ETA: " + out.get("countdown_waited"));
        assertEquals(7, out.get("priority").asInt(), "a priority message, from kombu's priority key");
        assertEquals(9, out.get("priority_lowest").asInt(), "priority 9, from kombu's last priority key (its pop once lost it)");
        assertEquals("TaskRevokedError", out.at("/expired/type").asText(), out.toString());
        assertTrue(List.of("TimeLimitExceeded", "SoftTimeLimitExceeded").contains(out.at("/time_limit/type").asText()), out.toString());
        for (int i = 0; i < 50; i++) {
            assertEquals(2 * i, out.get("many").get(i).asInt());
        }
        assertEquals(List.of("done"), List.of(out.get("chain").get(0).asText()), "chain(add.s(2, 3), add.s(10), echo.si('done'))");
        assertEquals(15, out.get("chain_middle").asInt());
        assertEquals(2, out.get("link").asInt());
        assertEquals(2, out.get("retried").asInt(), "autoretry_for: failed twice, succeeded on the third run");
        assertEquals("IOException", out.at("/retries_exhausted/type").asText(), "after max_retries = 3 the failure stands: " + out);
        assertEquals("IllegalStateException", out.at("/chain_failure/type").asText(), "a failure reaches the chain's last result: " + out);
        assertTrue(out.get("chain_second_errback").asBoolean(), "link_error runs when a chain's second step fails: " + out);
        assertEquals("[\"imm\"]", out.get("immutable_errback").toString(), "an immutable errback gets no task id");
        assertEquals("[3,7]", out.get("map").toString(), "xsum.map([[1, 2], [3, 4]]): " + out);
        assertEquals("[3,7]", out.get("starmap").toString(), "add.starmap([(1, 2), (3, 4)]): " + out);
        assertEquals("[[0,2,4],[6,8,10]]", out.get("chunks").toString(), "add.chunks(zip(range(6), range(6)), 3): " + out);
        assertEquals(190, out.get("chord").asInt(), "chord(add.s(i, i) for i in range(10))(xsum.s(100)): " + out);
        assertEquals("ChordError", out.at("/chord_failure/type").asText(), "a failed header task fails the body: " + out);
        assertEquals("[12,22]", out.get("chain_group").toString(), "chain(add.s(1, 1), group(add.s(10), add.s(20))): " + out);
        assertEquals(34, out.get("chain_chord").asInt(), "a group followed by a task in a chain is a chord: " + out);
        assertEquals(106, out.get("chord_chain_body").asInt(), "a chain as a chord's body: " + out);
        assertEquals("[6,16]", out.get("chord_group_body").toString(), "a group as a chord's body: " + out);
        assertEquals("[102]", out.get("children_link").toString(), "result.children of a link callback: " + out);
        assertEquals("[[12,22]]", out.get("children_link_group").toString(), "a group as a link callback: " + out);
        assertEquals("[12]", out.get("children_link_chain").toString(), "a chain as a link callback: " + out);
        assertEquals("[[12,22]]", out.get("children_link_chord").toString(), "a chord as a link callback: " + out);
        assertEquals("STARTED", out.get("track_started").asText(), "task_track_started: the state while it runs");
        assertEquals(1.5, out.get("after_started").asDouble(), "then its result");
        assertTrue(out.get("long_task_seen_active").asBoolean(), "inspect active lists the running task");
        assertTrue(out.get("active_fields").asBoolean(), "inspect active has time_start and delivery_info: " + out);
        assertEquals("active", out.get("query_task").asText(), "inspect query_task: " + out);
        assertTrue(out.get("scheduled").asBoolean(), "inspect scheduled lists a countdown task: " + out);
        assertTrue(out.get("stats_rusage").asBoolean(), "inspect stats has rusage: " + out);
        if (pool.equals("prefork")) {
            for (JsonNode pid : out.get("stats_processes")) {
                assertTrue(pid.isIntegralNumber(), "prefork children's pids are numbers, spares left out: " + out.get("stats_processes"));
            }
            assertEquals(2, out.get("stats_processes").size(), "two working children: " + out.get("stats_processes"));
        }
        assertTrue(out.get("active_queues_keys").asBoolean(), "active_queues has every key Flower reads");
        assertEquals(4, out.get("conf_prefetch").asInt(), "inspect conf: " + out);
        assertTrue(out.get("report").asBoolean() && out.get("clock").asBoolean(), out.toString());
        assertTrue(out.get("time_limit_set").toString().contains("time limits set successfully"), out.toString());
        assertTrue(List.of("TimeLimitExceeded", "SoftTimeLimitExceeded").contains(out.at("/time_limited/type").asText()),
                "control time_limit applies to the task's next run: " + out);
        assertTrue(out.get("rate_limit_set").toString().contains("new rate limit set successfully"), out.toString());
        assertTrue(out.get("rate_limited").asBoolean(), "rate-limited tasks are delayed, never dropped: " + out);
        assertTrue(out.get("rate_limited_seconds").asDouble() >= 1.85, "20 tasks at 10/s take 1.9 s or more: " + out);
        assertTrue(out.get("events_off").toString().contains("task events disabled"), out.toString());
        assertTrue(out.get("extra_queue_listed").asBoolean() && out.get("extra_queue").asInt() == 4,
                "add_consumer: a queue consumed at run time: " + out);
        assertTrue(out.get("cancel_consumer").toString().contains("no longer consuming from extra"), out.toString());
        assertTrue(out.get("autoscale").toString().contains("autoscale now max=4 min=2"), out.toString());
        assertEquals(4, out.at("/autoscaler/max").asInt(), "inspect stats shows the autoscaler: " + out);
        assertEquals("[]", out.get("quiet_events").toString(), "no task events while disabled");
        assertEquals("TaskRevokedError", out.at("/terminated/type").asText(), "revoke(terminate=True) stopped it: " + out);
        assertEquals("TaskRevokedError", out.at("/revoked_before_start/type").asText(), out.toString());
        assertEquals("pong", out.at("/ping/" + NODE.replace("/", "~1") + "/ok").asText(), out.toString());
        assertEquals("celeriac:" + pool, out.get("stats_pool").asText());
        assertTrue(out.get("registered_add").asBoolean());
        assertTrue(out.at("/grow/0/" + NODE).has("ok") || out.at("/grow/0/" + NODE).has("error"), out.toString());
        assertTrue(out.at("/unknown_command/0/" + NODE + "/error").asText().contains("unknown control command"), out.toString());
    }

    /** Checks whose answer must be the same from Celery's own worker and from Celeriac (error checks by type). */
    private static final List<String> SAME_AS_CELERY = List.of("heartbeat", "add", "kwargs", "result_extended", "nan_inf",
            "fail", "unknown", "countdown", "priority", "priority_lowest", "expired", "time_limit", "many", "retried", "retries_exhausted", "chain",
            "chain_middle", "link", "chain_failure", "map", "starmap", "chunks", "chord", "chord_failure", "chain_group",
            "chain_chord", "chord_chain_body", "chord_group_body", "children_link", "children_link_group",
            "children_link_chain", "children_link_chord", "track_started", "after_started", "long_task_seen_active",
            "query_task", "terminated", "scheduled", "revoked_before_start", "stats_rusage", "active_queues_keys", "clock",
            "time_limit_set", "rate_limit_set", "rate_limited", "extra_queue_listed", "extra_queue", "cancel_consumer",
            "task_events", "failed_events", "event_repr");

    /**
     * The same Python client against Celery's own worker (Debian's, prefork with 2 children, on other databases
     * of the same Redis) and against Celeriac's prefork pool: every check in {@link #SAME_AS_CELERY} answers the
     * same. The rest differ on purpose or by a known Celery behaviour; the test writes both columns to
     * {@code target/celery-comparison.md} and the design notes explain each difference.
     */
    @Test
    void celerysOwnWorkerGivesTheSameAnswers() throws Exception {
        String refBroker = "redis://127.0.0.1:" + redis.port() + "/2";
        String refBackend = "redis://127.0.0.1:" + redis.port() + "/3";
        String refNode = "python@reference";
        Process celery = new ProcessBuilder(PYTHON, resource("/reference_worker.py").toString(), refBroker, refBackend, refNode)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        JsonNode reference;
        try {
            reference = runScript("/celery_client.py", refBroker, refNode, refBackend, "reference");
        } finally {
            celery.destroy();
            if (!celery.waitFor(20, TimeUnit.SECONDS)) {
                celery.destroyForcibly();
            }
        }
        worker.use("prefork", 2);
        JsonNode celeriac = runClient();
        StringBuilder table = new StringBuilder("| check | Celery 5.2 worker | Celeriac |\n|---|---|---|\n");
        List<String> differing = new java.util.ArrayList<>();
        for (java.util.Iterator<String> names = reference.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            String ref = comparable(reference.get(name), refNode);
            String ours = comparable(celeriac.get(name), NODE);
            table.append("| ").append(name).append(" | ").append(ref).append(" | ").append(ours).append(" |\n");
            if (SAME_AS_CELERY.contains(name) && !ref.equals(ours)) {
                differing.add(name + ": Celery " + ref + ", Celeriac " + ours);
            }
        }
        Files.writeString(Paths.get("target", "celery-comparison.md"), table);
        assertTrue(SAME_AS_CELERY.stream().allMatch(reference::has), "the reference run answered every check: " + reference);
        assertEquals(List.of(), differing, "answers that differ from Celery's own worker (all: target/celery-comparison.md)");
    }

    /** A check's answer with the node's name taken out and, for a raised error, only its type. */
    private static String comparable(JsonNode answer, String node) {
        if (answer == null) {
            return "(none)";
        }
        JsonNode value = answer.isObject() && answer.has("type") && answer.has("message") ? answer.get("type") : answer;
        return value.toString().replace(node, "NODE").replace("|", "\\|");
    }

    /**
     * A mixed fleet: Celery's own Python worker and the Celeriac worker consume one queue; a chord's header
     * tasks go to both, and its body runs once, with every header result, whichever worker finishes last.
     */
    @Test
    void aChordSplitAcrossAPythonWorkerAndCeleriacCompletesOnce() throws Exception {
        worker.use("threads", 2);
        Path script = resource("/mixed_fleet.py");
        Process python = new ProcessBuilder(PYTHON, script.toString(), "worker", redis.url(), backendUrl())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Process client = new ProcessBuilder(PYTHON, script.toString(), "client", redis.url(), backendUrl()).start();
            byte[] stdout = client.getInputStream().readAllBytes();
            String stderr = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(client.waitFor(3, TimeUnit.MINUTES) && client.exitValue() == 0, "the mixed-fleet client failed:\n" + stderr);
            String text = new String(stdout, StandardCharsets.UTF_8).trim();
            JsonNode out = new ObjectMapper().readTree(text.substring(text.lastIndexOf('\n') + 1));
            assertEquals(1560, out.get("chord").asInt(), "sum of 2i for i < 40: " + out);
            int pythonAdds = out.get("python_adds").asInt();
            assertTrue(pythonAdds > 0 && pythonAdds < 40, "the header ran on both workers (Python ran " + pythonAdds + " of 40)");
            assertTrue(out.get("python_xsums").asInt() <= 1, "the body did not run twice on the Python worker: " + out);
        } finally {
            python.destroy();
            python.waitFor(20, TimeUnit.SECONDS);
            python.destroyForcibly();
        }
    }

    /**
     * {@code autoscale = 8,1} in the worker's configuration, with a prefetch multiplier of 1 (where Celery's own
     * autoscaler stalls, celery/celery#4003): 200 sleeping tasks from Python grow the pool to 8, all return,
     * and the pool shrinks back to 1 after the keep-alive, as {@code inspect stats} shows.
     */
    @Test
    void autoscaleGrowsToMaxWhileTasksWaitAndShrinksToMinAfterwards() throws Exception {
        ConfigurationAdmin admin = felix.context().getService(felix.context().getServiceReference(ConfigurationAdmin.class));
        org.osgi.service.cm.Configuration workerConfig = admin.getConfiguration("org.celeriac.worker", "?");
        org.osgi.service.cm.Configuration brokerConfig = admin.getConfiguration("org.celeriac.broker.redis", "?");
        java.util.Dictionary<String, Object> brokerBefore = brokerConfig.getProperties();
        try {
            worker.use("threads", 1);
            Hashtable<String, Object> broker = new Hashtable<>();
            for (java.util.Enumeration<String> keys = brokerBefore.keys(); keys.hasMoreElements(); ) {
                String k = keys.nextElement();
                broker.put(k, brokerBefore.get(k));
            }
            broker.put("prefetch.multiplier", 1);
            brokerConfig.update(broker);
            workerConfig.update(new Hashtable<>(Map.of("pool", "threads", "concurrency", 1, "autoscale", "8,1",
                    "autoscale.keepalive", 1.0)));
            FelixContainer.await("autoscale on", WAIT, () -> worker.autoscale().max() == 8);
            // 1 (multiplier) x 8 (autoscale MAX): the restarted broker holds enough messages for the pool to grow.
            FelixContainer.await("the broker's prefetch sized on autoscale MAX", WAIT, () -> brokerPrefetchIs(8));
            JsonNode out = runScript("/autoscale_client.py");
            assertTrue(out.get("all_done").asBoolean(), "every task returned: " + out);
            assertEquals(8, out.get("peak").asInt(), "grew to MAX while tasks waited: " + out);
            assertEquals(1, out.get("final").asInt(), "back to MIN after the keep-alive: " + out);
        } finally {
            workerConfig.delete();
            brokerConfig.update(brokerBefore);
            worker.autoscale(org.celeriac.worker.api.Autoscale.OFF);
            // Config Admin delivers the deletion asynchronously: unless the worker is back on its default pool
            // before this test ends, the switch can land after the next test chose its pool (seen in CI: the
            // run meant for threads reported prefork).
            FelixContainer.await("the worker back on its default pool", WAIT,
                    () -> worker.activePool().equals(java.util.Optional.of("prefork")));
        }
    }

    private static boolean brokerPrefetchIs(int n) {
        try {
            return felix.services(Broker.class.getName(), "(broker.name=redis)").stream()
                    .map(r -> (Broker) felix.context().getService(r)).anyMatch(b -> b != null && b.stats().prefetchLimit() == n);
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
    }

    static Path resource(String name) {
        try {
            return Paths.get(PythonCeleryIT.class.getResource(name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode runClient() throws IOException, InterruptedException {
        return runScript("/celery_client.py");
    }

    private static JsonNode runScript(String name) throws IOException, InterruptedException {
        return runScript(name, redis.url(), NODE, backendUrl());
    }

    private static JsonNode runScript(String name, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(PYTHON, resource(name).toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] stdout = p.getInputStream().readAllBytes();
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(WAIT.toSeconds() * 3, TimeUnit.SECONDS), "the Python client finished");
        assertEquals(0, p.exitValue(), "the Python client failed:\n" + stderr);
        String out = new String(stdout, StandardCharsets.UTF_8).trim();
        return new ObjectMapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
    }

    private static String backendUrl() {
        return "redis://127.0.0.1:" + redis.port() + "/1";
    }

    static boolean pythonCeleryInstalled() {
        if (!Files.isExecutable(Paths.get(PYTHON))) {
            return false;
        }
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import celery, redis").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
