package org.celeriac.broker.redis.impl;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The key names of kombu's Redis transport and Celery's Redis result backend, so that Celeriac workers and
 * Python workers share queues, unacknowledged-message bookkeeping and results.
 */
final class RedisKeys {
    /** kombu's separator inside priority queue names and binding entries. */
    static final String SEP = "\u0006\u0016";
    /** kombu's default priority steps: priority 0 lives in the queue's own key, the others in suffixed keys. */
    static final int[] PRIORITY_STEPS = {0, 3, 6, 9};
    /** Hash: delivery tag → {@code [envelope, exchange, routing key]} of every message taken and not acknowledged. */
    static final String UNACKED = "unacked";
    /** Sorted set: delivery tag → time taken (seconds); older than the visibility timeout = restorable. */
    static final String UNACKED_INDEX = "unacked_index";
    static final String BINDING_PREFIX = "_kombu.binding.";
    static final String PIDBOX_EXCHANGE = "celery.pidbox";

    private RedisKeys() {
    }

    /** The keys to pop from, highest priority first: every queue at priority 0, then every queue at 3, … (kombu's order). */
    static List<String> queueKeys(List<String> queues) {
        List<String> keys = new ArrayList<>();
        for (int pri : PRIORITY_STEPS) {
            for (String q : queues) {
                keys.add(priorityKey(q, pri));
            }
        }
        return keys;
    }

    /** The key a message of {@code priority} for {@code queue} goes to (kombu's {@code _q_for_pri}). */
    static String priorityKey(String queue, int priority) {
        int step = 0;
        for (int s : PRIORITY_STEPS) {
            if (s <= priority) {
                step = s;
            }
        }
        return step == 0 ? queue : queue + SEP + step;
    }

    /**
     * The {@link #UNACKED_INDEX} score for "taken now": whole seconds, rounded up (a restore comes at most a second
     * late, never early). kombu writes fractional seconds; Redis keeps a small sorted set as a listpack, compares a
     * new member's score with each one already there, and parses every fractional score from text to do so — at a
     * hundred messages in flight that made recording one message cost Redis 5–7 µs. Whole numbers are stored and
     * compared as integers.
     */
    static long indexScoreNow() {
        return Math.ceilDiv(System.currentTimeMillis(), 1000);
    }

    /** The queue whose messages {@code key} holds: {@code key} itself, or the part before a priority suffix. */
    static String queueOf(String key) {
        int sep = key.indexOf(SEP);
        return sep < 0 ? key : key.substring(0, sep);
    }

    /** The binding entry kombu keeps for a queue bound to an exchange with a routing key. */
    static String binding(String routingKey, String queue) {
        return routingKey + SEP + SEP + queue;
    }

    /**
     * The queues among an exchange's binding entries ({@code SMEMBERS _kombu.binding.<exchange>}) that a direct
     * exchange routes {@code routingKey} to: kombu's direct lookup.
     */
    static Set<String> boundQueues(Set<String> bindings, String routingKey) {
        Set<String> queues = new LinkedHashSet<>();
        for (String binding : bindings) {
            String[] parts = binding.split(SEP, -1);
            if (parts.length == 3 && parts[0].equals(routingKey)) {
                queues.add(parts[2]);
            }
        }
        return queues;
    }

    /** The fan-out channel of the remote-control exchange for database {@code db} (kombu's {@code /{db}.} prefix). */
    static String pidboxChannel(int db) {
        return "/" + db + "." + PIDBOX_EXCHANGE;
    }
}
