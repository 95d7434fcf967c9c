package org.celeriac.it;

import org.celeriac.broker.redis.testing.RedisServer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.celeriac.broker.celery.MessageEncoder;
import org.celeriac.pool.api.PoolStats;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.worker.api.Broker;
import org.celeriac.worker.api.Worker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import redis.clients.jedis.Jedis;

/**
 * The Redis broker bundle in a real Felix container against a real {@code redis-server}: messages written the
 * way kombu writes them run on the worker, results land where Celery's Redis backend puts them, bad input is
 * reported and acknowledged, prefetch is bounded, abandoned messages are restored, and stopping the bundle
 * mid-flight loses nothing.
 */
class RedisBrokerIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private RedisServer redis;
    private FelixContainer felix;
    private Worker worker;

    @BeforeEach
    void boot() throws Exception {
        redis = RedisServer.start();
        felix = FelixContainer.start(true);
        @SuppressWarnings("unchecked")
        ServiceReference<Worker> ref = (ServiceReference<Worker>) felix.awaitService(Worker.class.getName(), null, WAIT);
        worker = felix.context().getService(ref);
        FelixContainer.await("a pool is active", WAIT, () -> worker.activePool().isPresent());
    }

    @AfterEach
    void shutdown() throws Exception {
        if (felix != null) {
            felix.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private Broker configure(Map<String, Object> extra) throws Exception {
        ConfigurationAdmin admin = felix.context().getService(felix.context().getServiceReference(ConfigurationAdmin.class));
        Hashtable<String, Object> props = new Hashtable<>(Map.of("url", redis.url(), "hostname", "celeriac@it",
                "visibility.timeout", 30.0));
        props.putAll(extra);
        admin.getConfiguration("org.celeriac.broker.redis", "?").update(props);
        ServiceReference<?> ref = felix.awaitService(Broker.class.getName(), "(broker.name=redis)", WAIT);
        return (Broker) felix.context().getService(ref);
    }

    private static String push(Jedis j, TaskRequest r) {
        j.lpush("celery", MessageEncoder.task(r, "celery", 0));
        return r.id();
    }

    private JsonNode awaitResult(Jedis j, String taskId) throws Exception {
        String[] value = new String[1];
        FelixContainer.await("a result for " + taskId, WAIT, () -> (value[0] = j.get("celery-task-meta-" + taskId)) != null);
        return JSON.readTree(value[0]);
    }

    @Test
    void runsKombuMessagesAndStoresCeleryResults() throws Exception {
        Broker broker = configure(Map.of());
        try (Jedis j = redis.client()) {
            String add = push(j, TaskRequest.of("add", 2, 3));
            String echo = push(j, TaskRequest.builder("echo").args(List.of("x")).kwargs(Map.of("k", 1)).build());
            String fail = push(j, TaskRequest.of("fail", "boom"));
            JsonNode r = awaitResult(j, add);
            assertEquals("SUCCESS", r.get("status").asText());
            assertEquals(5, r.get("result").asInt());
            assertEquals(add, r.get("task_id").asText());
            assertEquals(JSON.readTree("{\"args\":[\"x\"],\"kwargs\":{\"k\":1}}"), awaitResult(j, echo).get("result"));
            JsonNode f = awaitResult(j, fail);
            assertEquals("FAILURE", f.get("status").asText());
            assertEquals("IllegalStateException", f.at("/result/exc_type").asText());
            assertEquals("boom", f.at("/result/exc_message/0").asText());
            assertTrue(j.ttl("celery-task-meta-" + add) > 86_000, "results expire after result.expires (1 day)");
            FelixContainer.await("every message acknowledged", WAIT, () -> j.hlen("unacked") == 0 && j.zcard("unacked_index") == 0);
            assertTrue(j.sismember("_kombu.binding.celery", "celery\u0006\u0016\u0006\u0016celery"), "the queue is declared as kombu does");
        }
        // Redis is settled before the acknowledger reads its reply and counts: wait for the count too.
        FelixContainer.await("3 acknowledgements counted", WAIT, () -> broker.stats().acknowledged() == 3);
        assertEquals(List.of("celery"), broker.queues());
    }

    /**
     * The broker runs its Lua scripts by SHA ({@code EVALSHA}); a Redis that forgot them ({@code SCRIPT FLUSH},
     * as after a restart) answers NOSCRIPT, and the broker loads them again: every task still runs once and is
     * acknowledged once, and the unacknowledged entries route back to the queue the message came from.
     */
    @Test
    void scriptsRedisForgotAreLoadedAgainAndNothingRunsTwice() throws Exception {
        Broker broker = configure(Map.of());
        try (Jedis j = redis.client()) {
            assertEquals(3, awaitResult(j, push(j, TaskRequest.of("add", 1, 2))).get("result").asInt());
            FelixContainer.await("the first acknowledged", WAIT, () -> broker.stats().acknowledged() == 1);
            j.scriptFlush();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ids.add(push(j, TaskRequest.of("add", i, 1)));
            }
            for (int i = 0; i < ids.size(); i++) {
                assertEquals(i + 1, awaitResult(j, ids.get(i)).get("result").asInt(), "task " + i);
            }
            FelixContainer.await("every message acknowledged", WAIT, () -> j.hlen("unacked") == 0 && j.zcard("unacked_index") == 0);
        }
        FelixContainer.await("51 acknowledged", WAIT, () -> broker.stats().acknowledged() == 51);
        Thread.sleep(500);
        assertEquals(51, broker.stats().acknowledged(), "each once");
    }

    @Test
    void authenticatesWithThePasswordInTheUrlAndNeverShowsIt() throws Exception {
        redis.close();
        redis = RedisServer.startWithPassword("s3cret-pw");
        Broker broker = configure(Map.of());
        assertFalse(broker.url().contains("s3cret-pw"), broker.url());
        assertTrue(broker.url().contains(":***@"), broker.url());
        try (Jedis j = redis.client()) {
            String id = push(j, TaskRequest.of("add", 20, 22));
            assertEquals(42, awaitResult(j, id).get("result").asInt());
        }
        assertTrue(broker.stats().connected());
    }

    @Test
    void badInputIsReportedAcknowledgedAndBlocksNothing() throws Exception {
        Broker broker = configure(Map.of());
        try (Jedis j = redis.client()) {
            String unknown = push(j, TaskRequest.of("no.such.task", 1));
            JsonNode good = JSON.readTree(MessageEncoder.task(TaskRequest.of("add", 1, 1), "celery", 0));
            com.fasterxml.jackson.databind.node.ObjectNode pickle = good.deepCopy();
            pickle.put("content-type", "application/x-python-serialize");
            ((com.fasterxml.jackson.databind.node.ObjectNode) pickle.get("headers")).put("id", "pickled");
            ((com.fasterxml.jackson.databind.node.ObjectNode) pickle.get("properties")).put("delivery_tag", "tag-pickle");
            j.lpush("celery", pickle.toString());
            com.fasterxml.jackson.databind.node.ObjectNode v1 = good.deepCopy();
            v1.remove("headers");
            v1.put("body", b64("{\"task\": \"add\", \"id\": \"v1\", \"args\": [1, 2], \"kwargs\": {}}"));
            ((com.fasterxml.jackson.databind.node.ObjectNode) v1.get("properties")).put("correlation_id", "v1").put("delivery_tag", "tag-v1");
            j.lpush("celery", v1.toString());
            com.fasterxml.jackson.databind.node.ObjectNode malformed = good.deepCopy();
            malformed.put("body", b64("[[1, 2], {"));
            ((com.fasterxml.jackson.databind.node.ObjectNode) malformed.get("headers")).put("id", "malformed");
            ((com.fasterxml.jackson.databind.node.ObjectNode) malformed.get("properties")).put("delivery_tag", "tag-malformed");
            j.lpush("celery", malformed.toString());
            j.lpush("celery", "this is not JSON at all");
            j.lpush("celery", "{\"properties\": {\"delivery_tag\": \"tag-no-body\"}}");
            String after = push(j, TaskRequest.of("add", 20, 22));

            assertEquals("NotRegistered", awaitResult(j, unknown).at("/result/exc_type").asText());
            assertEquals("no.such.task", awaitResult(j, unknown).at("/result/exc_message/0").asText());
            assertEquals("ContentDisallowed", awaitResult(j, "pickled").at("/result/exc_type").asText());
            JsonNode v1Result = awaitResult(j, "v1");
            assertEquals("InvalidTaskError", v1Result.at("/result/exc_type").asText());
            assertTrue(v1Result.at("/result/exc_message/0").asText().contains("protocol 2"));
            assertTrue(awaitResult(j, "malformed").at("/result/exc_message/0").asText().contains("not JSON"));
            assertEquals(42, awaitResult(j, after).get("result").asInt(), "the queue goes on after bad input");
            FelixContainer.await("everything acknowledged", WAIT, () -> j.hlen("unacked") == 0 && j.llen("celery") == 0);
        }
        // pickle, v1, malformed, not JSON, no body; the unknown task was the worker's failure, not the broker's refusal
        FelixContainer.await("counted", WAIT, () -> broker.stats().rejected() == 5);
        assertTrue(broker.stats().connected());
    }

    @Test
    void prefetchIsBoundedByMultiplierTimesConcurrency() throws Exception {
        worker.use("threads", 2);
        configure(Map.of("prefetch.multiplier", 3));
        try (Jedis j = redis.client()) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                ids.add(push(j, TaskRequest.of("sleep", 0.05)));
            }
            // The bound is on tasks taken and not finished: running or waiting in the pool. A finished task's
            // message leaves Redis's unacked hash one acknowledgement round trip later (batched), as with kombu.
            int maxUnfinished = 0;
            int maxHeld = 0;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (j.exists("celery-task-meta-" + ids.get(ids.size() - 1)) == false && System.nanoTime() < deadline) {
                PoolStats s = worker.stats();
                maxUnfinished = Math.max(maxUnfinished, s.active() + s.queued());
                maxHeld = Math.max(maxHeld, (int) j.hlen("unacked"));
                Thread.sleep(5); // sampling while the queue drains
            }
            for (String id : ids) {
                assertEquals("SUCCESS", awaitResult(j, id).get("status").asText());
            }
            assertTrue(maxUnfinished <= 6, "at most 3 x 2 tasks taken and unfinished, saw " + maxUnfinished);
            assertTrue(maxHeld >= 2, "took more than one at a time, saw " + maxHeld);
            assertTrue(j.llen("celery") == 0 && j.hlen("unacked") == 0);
        }
    }

    @Test
    void tasksHeldForTheirEtaDoNotFillThePrefetch() throws Exception {
        worker.use("threads", 1);
        configure(Map.of("prefetch.multiplier", 1));
        try (Jedis j = redis.client()) {
            Instant eta = Instant.now().plusSeconds(4);
            List<String> later = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                later.add(push(j, TaskRequest.builder("add").args(List.of(i, 1)).eta(eta).build()));
            }
            String now = push(j, TaskRequest.of("add", 1, 1));
            assertEquals(2, awaitResult(j, now).get("result").asInt());
            assertTrue(Instant.now().isBefore(eta), "ran before the held tasks' ETA, with a prefetch of 1");
            assertEquals(10, j.hlen("unacked"), "the ten future tasks are held, unacknowledged");
            for (int i = 0; i < 10; i++) {
                assertEquals(i + 1, awaitResult(j, later.get(i)).get("result").asInt());
            }
            assertFalse(Instant.now().isBefore(eta), "held until their ETA");
        }
    }

    @Test
    void hotSwappingPoolsWhileConsumingLosesAndRepeatsNothing() throws Exception {
        configure(Map.of());
        Map<String, AtomicInteger> published = new ConcurrentHashMap<>();
        Thread listener = subscribe(published);
        List<String> ids = new ArrayList<>();
        try (Jedis j = redis.client()) {
            redis.clients.jedis.Pipeline p = j.pipelined();
            for (int i = 0; i < 3000; i++) {
                TaskRequest r = TaskRequest.of("sleep", 0.001);
                ids.add(r.id());
                p.lpush("celery", MessageEncoder.task(r, "celery", 0));
            }
            p.sync();
            for (String pool : List.of("green", "threads", "solo", "threads")) {
                Thread.sleep(300); // swaps while tasks flow
                worker.use(pool, pool.equals("solo") ? 1 : 2);
            }
            for (String id : ids) {
                assertEquals("SUCCESS", awaitResult(j, id).get("status").asText());
            }
            FelixContainer.await("every result published", WAIT, () -> published.size() == ids.size());
            assertTrue(published.values().stream().allMatch(n -> n.get() == 1), "each task reported once");
            assertEquals(0, j.hlen("unacked"));
        }
        listener.interrupt();
    }

    @Test
    void restoresMessagesOfAWorkerThatDiedAndNeverRunsALiveOnesTwice() throws Exception {
        configure(Map.of("visibility.timeout", 1.0));
        try (Jedis j = redis.client()) {
            // A dead kombu worker's bookkeeping: taken 10 s ago, never acknowledged.
            TaskRequest orphan = TaskRequest.of("add", 40, 2);
            String envelope = MessageEncoder.task(orphan, "celery", 0);
            String tag = JSON.readTree(envelope).at("/properties/delivery_tag").asText();
            j.hset("unacked", tag, "[" + envelope + ", \"\", \"celery\"]");
            j.zadd("unacked_index", Instant.now().getEpochSecond() - 10, tag);
            JsonNode r = awaitResult(j, orphan.id());
            assertEquals(42, r.get("result").asInt());

            // A message whose workers died five times (say it calls System.exit on the threads pool) is failed, not restored again.
            TaskRequest poison = TaskRequest.of("add", 1, 1);
            com.fasterxml.jackson.databind.node.ObjectNode env = (com.fasterxml.jackson.databind.node.ObjectNode)
                    JSON.readTree(MessageEncoder.task(poison, "celery", 0));
            ((com.fasterxml.jackson.databind.node.ObjectNode) env.get("headers")).put("x-celeriac-restores", 5);
            String poisonTag = env.at("/properties/delivery_tag").asText();
            j.hset("unacked", poisonTag, "[" + env + ", \"\", \"celery\"]");
            j.zadd("unacked_index", Instant.now().getEpochSecond() - 10, poisonTag);
            JsonNode lost = awaitResult(j, poison.id());
            assertEquals("FAILURE", lost.get("status").asText());
            assertEquals("WorkerLostError", lost.at("/result/exc_type").asText());
            assertTrue(lost.at("/result/exc_message/0").asText().contains("lost 5 times"), lost.toString());
            assertEquals(0, j.llen("celery"));
            assertFalse(j.hexists("unacked", poisonTag));

            // A live task three times longer than the visibility timeout runs once.
            Map<String, AtomicInteger> published = new ConcurrentHashMap<>();
            Thread listener = subscribe(published);
            String slow = push(j, TaskRequest.of("sleep", 3.0));
            assertEquals("SUCCESS", awaitResult(j, slow).get("status").asText());
            Thread.sleep(1500); // a second copy, had there been one, would publish within this
            assertEquals(1, published.get("celery-task-meta-" + slow).get(), "published once: the message was kept fresh");
            listener.interrupt();
        }
    }

    @Test
    void aSecondMessageForARunningTaskIdIsAcknowledgedWithoutRunningIt() throws Exception {
        Broker broker = configure(Map.of());
        try (Jedis j = redis.client()) {
            Map<String, AtomicInteger> published = new ConcurrentHashMap<>();
            Thread listener = subscribe(published);
            TaskRequest slow = TaskRequest.of("sleep", 1.0);
            com.fasterxml.jackson.databind.node.ObjectNode copy = (com.fasterxml.jackson.databind.node.ObjectNode)
                    JSON.readTree(MessageEncoder.task(slow, "celery", 0)); // a broken producer: new tag, same task id
            ((com.fasterxml.jackson.databind.node.ObjectNode) copy.get("properties")).put("delivery_tag", "copy-of-" + slow.id());
            push(j, slow);
            j.lpush("celery", copy.toString());
            assertEquals("SUCCESS", awaitResult(j, slow.id()).get("status").asText());
            FelixContainer.await("both messages acknowledged", WAIT, () -> j.hlen("unacked") == 0 && j.llen("celery") == 0);
            Thread.sleep(500);
            assertEquals(1, published.get("celery-task-meta-" + slow.id()).get(), "the task ran and reported once");
            listener.interrupt();
        }
        // Redis is settled before the acknowledger reads its reply and counts: wait for the count too.
        FelixContainer.await("2 acknowledgements counted", WAIT, () -> broker.stats().acknowledged() == 2);
    }

    @Test
    void messagesThatShareOneDeliveryTagAllRunAndReport() throws Exception {
        Broker broker = configure(Map.of());
        try (Jedis j = redis.client()) {
            // A broken producer: one real message cloned with fresh task ids and the same delivery tag.
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                TaskRequest r = TaskRequest.of("add", i, 1);
                com.fasterxml.jackson.databind.node.ObjectNode env = (com.fasterxml.jackson.databind.node.ObjectNode)
                        JSON.readTree(MessageEncoder.task(r, "celery", 0));
                ((com.fasterxml.jackson.databind.node.ObjectNode) env.get("properties")).put("delivery_tag", "one-tag");
                j.lpush("celery", env.toString());
                ids.add(r.id());
            }
            for (int i = 0; i < ids.size(); i++) {
                assertEquals(i + 1, awaitResult(j, ids.get(i)).get("result").asInt(), "task " + i);
            }
            FelixContainer.await("every message acknowledged", WAIT, () -> j.hlen("unacked") == 0 && j.zcard("unacked_index") == 0);
        }
        // Redis is settled before the acknowledger reads its reply and counts: wait for the count too.
        FelixContainer.await("300 acknowledgements counted", WAIT, () -> broker.stats().acknowledged() == 300);
    }

    @Test
    void stoppingTheBrokerMidFlightPutsBackWhatDidNotRun() throws Exception {
        worker.use("threads", 2);
        configure(Map.of("prefetch.multiplier", 4));
        List<String> ids = new ArrayList<>();
        try (Jedis j = redis.client()) {
            for (int i = 0; i < 40; i++) {
                ids.add(push(j, TaskRequest.of("sleep", 0.1)));
            }
            FelixContainer.await("some done", WAIT, () -> j.exists("celery-task-meta-" + ids.get(3)));
            Bundle b = felix.bundle("org.celeriac.broker-redis");
            b.stop();
            long done = ids.stream().filter(id -> j.exists("celery-task-meta-" + id)).count();
            assertEquals(0, j.hlen("unacked"), "nothing left half-taken");
            assertEquals(40, done + j.llen("celery"), "every message either finished or is back in the queue");
            assertTrue(j.llen("celery") > 0, "the test stopped it mid-flight");
            b.start();
            for (String id : ids) {
                try {
                    assertEquals("SUCCESS", awaitResult(j, id).get("status").asText());
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; worker: " + worker.task(id).map(h -> h.state() + " " + h.workerId())
                            + "; queue " + j.lrange("celery", 0, -1).stream().filter(m -> m.contains(id)).count()
                            + "; unacked " + j.hlen("unacked") + "; " + felix.services(Broker.class.getName(), null), e);
                }
            }
        }
    }

    @Test
    void survivesRedisCrashingMidRunAndComingBack() throws Exception {
        redis.close();
        redis = RedisServer.startDurable(); // an AOF, so the restarted server has what was acknowledged
        worker.use("threads", 2);
        // A take whose reply the crash cut off is recorded in Redis but unknown here: it comes back once the
        // visibility timeout passes, so keep that short.
        Broker broker = configure(Map.of("visibility.timeout", 3.0));
        List<String> ids = new ArrayList<>();
        try (Jedis j = redis.client()) {
            for (int i = 0; i < 200; i++) {
                ids.add(push(j, TaskRequest.of("sleep", 0.01)));
            }
            FelixContainer.await("some done", WAIT, () -> j.exists("celery-task-meta-" + ids.get(20)));
        }
        redis.crash();
        FelixContainer.await("the broker notices", WAIT, () -> !broker.stats().connected());
        Thread.sleep(500); // tasks finish while Redis is down: their acknowledgements wait
        redis.restart();
        try (Jedis j = redis.client()) {
            for (String id : ids) {
                assertEquals("SUCCESS", awaitResult(j, id).get("status").asText());
            }
            FelixContainer.await("nothing left", WAIT, () -> j.hlen("unacked") == 0 && j.llen("celery") == 0);
        }
        FelixContainer.await("reconnected", WAIT, () -> broker.stats().connected());
    }

    /** Counts the results Celery's backend publishes, per key: a task that ran twice would publish twice. */
    private Thread subscribe(Map<String, AtomicInteger> published) throws InterruptedException {
        return redis.subscribeToResults((channel, value) -> published.computeIfAbsent(channel, c -> new AtomicInteger()).incrementAndGet());
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static {
        assertFalse(WAIT.isNegative());
    }
}
