package org.celeriac.broker.redis.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.celeriac.broker.celery.Canvas;
import org.celeriac.broker.celery.Chords;
import org.celeriac.broker.celery.DecodedTask;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Joining a chord's header against a real {@code redis-server}: header tasks finishing at once send the body once. */
class ChordJoinTest extends RealRedisTest {
    private static final int HEADER = 40;

    @Test
    void theLastOfManyConcurrentPartsAloneGetsAllEntriesInOrder() throws Exception {
        ChordJoin chords = new ChordJoin(pool, 86_400);
        for (int round = 0; round < 20; round++) {
            String group = "g" + round;
            try (Jedis jedis = pool.getResource()) {
                jedis.set(Chords.keys(group).get(2), Integer.toString(HEADER)); // the size, as Celery's client stores it
            }
            List<Future<Optional<List<String>>>> adds = new ArrayList<>();
            try (ExecutorService parts = Executors.newFixedThreadPool(8)) {
                for (int i = HEADER - 1; i >= 0; i--) { // finishing in reverse order of their group index
                    DecodedTask.Run run = new DecodedTask.Run(TaskRequest.builder("add").id(group + "-" + i).build(), false,
                            Canvas.NONE, 0, group, i);
                    String part = "part-" + i;
                    adds.add(parts.submit(() -> chords.add(run, part)));
                }
            }
            List<List<String>> completions = new ArrayList<>();
            for (Future<Optional<List<String>>> f : adds) {
                f.get().ifPresent(completions::add);
            }
            assertEquals(1, completions.size(), "round " + round + ": the body is sent exactly once");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < HEADER; i++) {
                expected.add("part-" + i);
            }
            assertEquals(expected, completions.get(0), "entries in group_index order");
            try (Jedis jedis = pool.getResource()) {
                for (String key : Chords.keys(group)) {
                    assertFalse(jedis.exists(key), key + " is removed once the chord completed");
                }
            }
        }
    }
}
