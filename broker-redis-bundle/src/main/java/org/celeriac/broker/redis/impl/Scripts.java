package org.celeriac.broker.redis.impl;

/**
 * The Lua scripts that make each step of a message's life atomic in Redis. kombu pops with BRPOP and records
 * the message as unacknowledged in a second round trip: a worker killed between the two loses the message.
 * Here the pop and the record are one script, and so are "store the result and acknowledge" and "put it back".
 * The scripts write kombu's own {@code unacked}/{@code unacked_index} entries, so Python workers restore
 * Celeriac's abandoned messages and the other way round.
 */
final class Scripts {
    private Scripts() {
    }

    /**
     * Lua prelude: {@code store(key, meta, ttl)} writes a Celery result for {@code ttl} seconds (0 = forever)
     * and publishes it on its key, as Celery's Redis backend does (clients wait on that channel).
     */
    private static final String STORE = """
            local function store(key, meta, ttl)
              if tonumber(ttl) > 0 then
                redis.call('SETEX', key, ttl, meta)
              else
                redis.call('SET', key, meta)
              end
              redis.call('PUBLISH', key, meta)
            end
            """;

    /**
     * Lua prelude of RESTORE and ABANDON, a compare-and-set: returns 0 unless tag ARGV[1] is still
     * unacknowledged with entry ARGV[2] and was taken before ARGV[3] (now − visibility timeout); then removes
     * it from the bookkeeping (KEYS[1] = unacked, KEYS[2] = unacked_index). A worker that acknowledged,
     * refreshed or restored it meanwhile wins.
     */
    private static final String CLAIM_STALE = """
            local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
            if score and tonumber(score) > tonumber(ARGV[3]) then return 0 end
            if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('HDEL', KEYS[1], ARGV[1])
            """;

    /**
     * Pops up to ARGV[1] messages from KEYS[3..] (in order) and records each as unacknowledged at time ARGV[2]
     * under tag ARGV[3] .. k (k = 0, 1, …; the caller makes ARGV[3] unique per call). KEYS[1] = unacked,
     * KEYS[2] = unacked_index; ARGV[3 + i] is the JSON-quoted queue name of KEYS[2 + i] (i = 1, 2, …), the
     * routing key a restore uses. Returns a flat list: key, tag, envelope, …
     *
     * <p>A route read from the wrong index once made the pop of a priority-9 message fail after its
     * {@code RPOP}s, which Redis does not undo: those messages were lost; with several queues each message
     * was recorded with another queue's name and would have been restored there ({@code ConsumerTest}).
     *
     * <p>Nothing is decoded here: the envelope is the caller's to read (a bad one is then acknowledged and dropped
     * at once). Decoding each message with cjson and recording it with its own ZADD and HSET was most of Redis's
     * time per task; the records now go in one ZADD and one HSET per call. The entry is kombu's
     * {@code [envelope, exchange, routing_key]} with the default exchange and the queue the message was taken
     * from, so any worker — kombu's too — restores it to that queue (at its priority), not to every queue its
     * original exchange and routing key would reach. The tags are the worker's own, not the envelopes' delivery
     * tags: two messages a producer sent with one tag still get an entry each.
     */
    static final LuaScript POP = LuaScript.of("""
            -- Checked before anything is popped: Redis does not undo a script's pops when it fails half way.
            if #ARGV ~= #KEYS + 1 then return redis.error_reply('POP needs a queue name per queue key') end
            local max = tonumber(ARGV[1])
            local out, index, entries = {}, {}, {}
            local n = 0
            for i = 3, #KEYS do
              -- One RPOP with a count (Redis 6.2, as BLMOVE) for what a queue has, not one call per message.
              local popped = redis.call('RPOP', KEYS[i], max - n)
              if popped then
                for _, raw in ipairs(popped) do
                  local tag = ARGV[3] .. n
                  n = n + 1
                  index[#index + 1] = ARGV[2]
                  index[#index + 1] = tag
                  entries[#entries + 1] = tag
                  entries[#entries + 1] = '[' .. raw .. ',"",' .. ARGV[1 + i] .. ']'
                  out[#out + 1] = KEYS[i]
                  out[#out + 1] = tag
                  out[#out + 1] = raw
                end
              end
              if n >= max then break end
            end
            if n > 0 then
              redis.call('ZADD', KEYS[2], unpack(index))
              redis.call('HSET', KEYS[1], unpack(entries))
            end
            return out
            """);

    /**
     * Acknowledges ARGV[2] deliveries in one step and, with each, stores its results and pushes the messages its
     * task leads to (chain, callbacks, errbacks) — so a worker killed at any instant did all of it or none of it.
     * KEYS[1] = unacked, KEYS[2] = unacked_index, then each delivery's result keys and queue keys in turn.
     * ARGV[1] = result lifetime in seconds (0 = forever); then for each delivery: its tag, S, M, S results (each
     * also published on its key, as Celery's Redis backend does) and M envelopes, matching its S + M keys.
     * Returns one number per delivery: 1, or 0 with nothing written when the message is no longer ours (another
     * worker restored it after a visibility timeout: the copy that runs there reports, once). One script for a
     * batch instead of one per task: Redis's cost per script call was as large as the writes themselves.
     */
    static final LuaScript ACK = LuaScript.of(STORE + """
            local out, tags = {}, {}
            local a, k = 3, 3
            for i = 1, tonumber(ARGV[2]) do
              local tag, s, m = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
              a = a + 3
              tags[i] = tag
              if redis.call('HDEL', KEYS[1], tag) == 1 then
                out[i] = 1
                for j = 0, s - 1 do store(KEYS[k + j], ARGV[a + j], ARGV[1]) end
                for j = s, s + m - 1 do redis.call('LPUSH', KEYS[k + j], ARGV[a + j]) end
              else
                out[i] = 0
              end
              k = k + s + m
              a = a + s + m
            end
            redis.call('ZREM', KEYS[2], unpack(tags))
            return out
            """);

    /**
     * Puts the message of tag ARGV[1] back at the head of queue KEYS[3] (the next to be popped) as envelope
     * ARGV[2], if it is still ours. KEYS[1] = unacked, KEYS[2] = unacked_index. Returns 1 if requeued.
     */
    static final LuaScript REQUEUE = LuaScript.of("""
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
              redis.call('ZREM', KEYS[2], ARGV[1])
              return 0
            end
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('RPUSH', KEYS[3], ARGV[2])
            return 1
            """);

    /**
     * Gives up on an abandoned message that was restored too often (a poison message that kills every worker):
     * claims it (see CLAIM_STALE) and stores ARGV[4] as its result under KEYS[3] for ARGV[5] seconds
     * (0 = forever). An empty ARGV[4] stores nothing. Returns 1 if it gave up on it.
     */
    static final LuaScript ABANDON = LuaScript.of(STORE + CLAIM_STALE + """
            if ARGV[4] ~= '' then store(KEYS[3], ARGV[4], ARGV[5]) end
            return 1
            """);

    /**
     * Restores an abandoned message: claims it (see CLAIM_STALE) and pushes envelope ARGV[4] to each of
     * KEYS[3..]. Returns 1 if restored.
     */
    static final LuaScript RESTORE = LuaScript.of(CLAIM_STALE + """
            for i = 3, #KEYS do redis.call('RPUSH', KEYS[i], ARGV[4]) end
            return 1
            """);

    /**
     * Celery's {@code task_track_started}: stores STARTED meta ARGV[1] under KEYS[1] for ARGV[2] seconds, only
     * over nothing or an earlier RETRY, so a start reported after the outcome never hides it. Returns 1 if written.
     */
    static final LuaScript MARK_STARTED = LuaScript.of(STORE + """
            local v = redis.call('GET', KEYS[1])
            if v then
              local ok, meta = pcall(cjson.decode, v)
              if not ok or type(meta) ~= 'table' or meta.status ~= 'RETRY' then return 0 end
            end
            store(KEYS[1], ARGV[1], ARGV[2])
            return 1
            """);

    /**
     * Celery's {@code on_chord_part_return} for the Redis backend, in one step: adds entry ARGV[1] with score
     * ARGV[2] to the chord's sorted set KEYS[1], refreshes the three keys' expiry (ARGV[3] s, 0 = none), and if
     * the count now equals the size KEYS[3] plus the correction KEYS[2], removes the keys and returns the
     * entries in order (this caller sends the body); else returns false. Celery runs the same steps as a
     * pipeline and a second round trip; here two header tasks finishing together cannot both send the body.
     */
    static final LuaScript CHORD_PART = LuaScript.of("""
            redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
            local ready = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
            local diff = tonumber(redis.call('GET', KEYS[2]) or '0')
            local size = redis.call('GET', KEYS[3])
            if tonumber(ARGV[3]) > 0 then
              for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
            end
            if size and ready == tonumber(size) + diff then
              local parts = redis.call('ZRANGE', KEYS[1], 0, -1)
              redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
              return parts
            end
            return false
            """);
}
