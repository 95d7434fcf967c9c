package org.celeriac.broker.redis.impl;

import java.util.List;
import java.util.Optional;
import org.celeriac.broker.celery.Chords;
import org.celeriac.broker.celery.DecodedTask;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPool;

/** Adds finished header tasks to their chord in the result backend's Redis ({@link Scripts#CHORD_PART}). */
final class ChordJoin {
    private final JedisPool results;
    private final long expiresSeconds;

    /** @param results the Redis that holds results (the broker's, or a separate backend), where Celery keeps chords */
    ChordJoin(JedisPool results, long expiresSeconds) {
        this.results = results;
        this.expiresSeconds = expiresSeconds;
    }

    /** Adds {@code part} of header task {@code run}; the chord's entries in order if this part completed it. */
    @SuppressWarnings("unchecked")
    Optional<List<String>> add(DecodedTask.Run run, String part) {
        try (Jedis jedis = results.getResource()) {
            Object parts = Scripts.CHORD_PART.run(jedis, Chords.keys(run.group()),
                    List.of(part, Chords.score(run), Long.toString(expiresSeconds)));
            return parts instanceof List<?> l ? Optional.of((List<String>) l) : Optional.empty();
        }
    }
}
