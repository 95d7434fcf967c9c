package org.celeriac.it;

import org.celeriac.broker.redis.testing.RedisServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Two Celeriac worker processes (the distribution, configured by a {@code .cfg} in each deploy folder) share
 * one Redis queue: 10 000 tasks run exactly once between them, and when one is killed with SIGKILL mid-run
 * the other runs what it held once the visibility timeout passes — none lost, none reported twice.
 *
 * <p>Every task is {@code pid}, so each result names the process that ran it; the test counts the results
 * Celery's backend publishes ({@code celery-task-meta-<id>}): a task run twice would publish twice.
 */
class TwoWorkersIT {
    private static final int TASKS = 10_000;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private RedisServer redis;
    private final List<Process> workers = new ArrayList<>();
    private final Map<String, AtomicInteger> publishes = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> ranBy = new ConcurrentHashMap<>();
    private Thread listener;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start();
        listener = redis.subscribeToResults((channel, value) -> {
            publishes.computeIfAbsent(channel, c -> new AtomicInteger()).incrementAndGet();
            try {
                ranBy.computeIfAbsent(JSON.readTree(value).get("result").asLong(), p -> new AtomicInteger()).incrementAndGet();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        workers.add(startWorker("w1"));
        workers.add(startWorker("w2"));
        try (Jedis j = redis.client()) {
            FelixContainer.await("both workers answer", WAIT, () -> j.pubsubNumSub("/0.celery.pidbox").get("/0.celery.pidbox") == 2L);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n--- w1:\n" + log("w1") + "\n--- w2:\n" + log("w2"), e);
        }
    }

    private String log(String worker) {
        try {
            return Files.readString(tmp.resolve(worker + ".log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private Process startWorker(String name) throws IOException {
        Path deploy = Files.createDirectories(tmp.resolve(name));
        Files.writeString(deploy.resolve("org.celeriac.broker.redis.cfg"), String.join("\n",
                "url=" + redis.url(), "hostname=celeriac@" + name, "visibility.timeout=3", ""));
        return new ProcessBuilder(Distribution.command("--no-shell", "--pool", "threads", "--concurrency", "4",
                "--deploy-dir", deploy.toString()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve(name + ".log").toFile()).start();
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : workers) {
            p.toHandle().destroy();
        }
        for (Process p : workers) {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    private List<String> push(String task, Object... args) {
        List<String> ids = new ArrayList<>(TASKS);
        try (Jedis j = redis.client()) {
            Pipeline p = j.pipelined();
            for (int i = 0; i < TASKS; i++) {
                TaskRequest r = TaskRequest.builder(task).args(List.of(args)).build();
                ids.add(r.id());
                p.lpush("celery", MessageEncoder.task(r, "celery", 0));
            }
            p.sync();
        }
        return ids;
    }

    private void awaitAll(List<String> ids) throws InterruptedException {
        FelixContainer.await("results for all " + TASKS + " tasks (have " + publishes.size() + ")", WAIT,
                () -> publishes.size() >= TASKS);
        Set<String> expected = new HashSet<>();
        ids.forEach(id -> expected.add("celery-task-meta-" + id));
        assertEquals(expected, publishes.keySet(), "a result for every task, and for nothing else");
        List<String> twice = publishes.entrySet().stream().filter(e -> e.getValue().get() != 1).map(Map.Entry::getKey).toList();
        assertEquals(List.of(), twice, "no task reported twice");
        try (Jedis j = redis.client()) {
            FelixContainer.await("nothing left unacknowledged", WAIT, () -> j.hlen("unacked") == 0 && j.llen("celery") == 0);
        }
    }

    @Test
    void twoWorkersShareTenThousandTasksExactlyOnce() throws Exception {
        List<String> ids = push("pid");
        awaitAll(ids);
        Set<Long> pids = Set.of(workers.get(0).pid(), workers.get(1).pid());
        assertEquals(pids, ranBy.keySet(), "both workers ran tasks, and nobody else: " + ranBy);
        assertEquals(TASKS, ranBy.values().stream().mapToInt(AtomicInteger::get).sum());
    }

    @Test
    void killingOneWorkerMidRunLosesNothing() throws Exception {
        List<String> ids = push("sleep", 0.004);
        FelixContainer.await("the run is under way", WAIT, () -> publishes.size() >= TASKS / 5);
        Process victim = workers.get(0);
        victim.destroyForcibly(); // SIGKILL: no shutdown hook, no hand-back
        assertTrue(victim.waitFor(30, TimeUnit.SECONDS));
        assertTrue(publishes.size() < TASKS, "killed mid-run");
        awaitAll(ids);
        String survivorLog = log("w2");
        assertTrue(survivorLog.contains("restored"), "the survivor restored the messages the killed worker held:\n" + survivorLog);
    }
}
