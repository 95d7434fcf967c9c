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
     * Pops up to ARGV[1] messages from KEYS[3..] (in order) and records each as unacknowledged at time ARGV[2].
     * KEYS[1] = unacked, KEYS[2] = unacked_index. Returns a flat list: key, tag (false if untracked), envelope, …
     * An envelope that is not JSON or has no delivery tag cannot be tracked or restored: it is returned
     * untracked so the consumer reports and drops it instead of leaving it to block the queue.
     * The entry is built by concatenation, not re-encoded: cjson would round large numbers and turn [] into {}.
     * A delivery tag that is already unacknowledged is tracked as {@code tag#k} (the first k free), so two
     * messages never share one entry.
     */
    static final String POP = """
            local out = {}
            local max = tonumber(ARGV[1])
            local n = 0
            for i = 3, #KEYS do
              while n < max do
                local raw = redis.call('RPOP', KEYS[i])
                if not raw then break end
                n = n + 1
                local ok, msg = pcall(cjson.decode, raw)
                local tag = false
                if ok and type(msg) == 'table' and type(msg.properties) == 'table'
                    and type(msg.properties.delivery_tag) == 'string' then
                  tag = msg.properties.delivery_tag
                  if redis.call('HEXISTS', KEYS[1], tag) == 1 then
                    -- A tag already in flight (a producer that reuses one): kombu's bookkeeping is keyed by
                    -- tag, so a second entry would overwrite the first and one message could vanish. This
                    -- one is tracked under a fresh tag; its envelope is kept as it came.
                    local base, k = tag, 1
                    repeat tag = base .. '#' .. k; k = k + 1 until redis.call('HEXISTS', KEYS[1], tag) == 0
                  end
                  local info = msg.properties.delivery_info
                  local ex, rk = '', KEYS[i]
                  if type(info) == 'table' then
                    if type(info.exchange) == 'string' then ex = info.exchange end
                    if type(info.routing_key) == 'string' then rk = info.routing_key end
                  end
                  redis.call('ZADD', KEYS[2], ARGV[2], tag)
                  redis.call('HSET', KEYS[1], tag, '[' .. raw .. ',' .. cjson.encode(ex) .. ',' .. cjson.encode(rk) .. ']')
                end
                out[#out + 1] = KEYS[i]
                out[#out + 1] = tag
                out[#out + 1] = raw
              end
              if n >= max then break end
            end
            return out
            """;

    /**
     * Acknowledges tag ARGV[1] and, in the same step, stores ARGV[3] results and pushes the messages the task
     * leads to (chain, callbacks, errbacks) — so a worker killed at any instant did all of it or none of it.
     * KEYS[1] = unacked, KEYS[2] = unacked_index, KEYS[3 .. 2+S] = result keys, the rest = queue keys.
     * ARGV[2] = result lifetime in seconds (0 = forever), ARGV[3] = S, ARGV[4 .. 3+S] = results (each also
     * published on its key, as Celery's Redis backend does), the rest = envelopes for the queue keys.
     * Returns 0 and writes nothing when the message is no longer ours (another worker restored it after a
     * visibility timeout): the copy that runs there reports, once.
     */
    static final String ACK = STORE + """
            redis.call('ZREM', KEYS[2], ARGV[1])
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
            local stores = tonumber(ARGV[3])
            for i = 1, stores do
              store(KEYS[2 + i], ARGV[3 + i], ARGV[2])
            end
            for i = 3 + stores, #KEYS do
              redis.call('LPUSH', KEYS[i], ARGV[i + 1])
            end
            return 1
            """;

    /**
     * Puts the message of tag ARGV[1] back at the head of queue KEYS[3] (the next to be popped) as envelope
     * ARGV[2], if it is still ours. KEYS[1] = unacked, KEYS[2] = unacked_index. Returns 1 if requeued.
     */
    static final String REQUEUE = """
            if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then
              redis.call('ZREM', KEYS[2], ARGV[1])
              return 0
            end
            redis.call('ZREM', KEYS[2], ARGV[1])
            redis.call('RPUSH', KEYS[3], ARGV[2])
            return 1
            """;

    /**
     * Gives up on an abandoned message that was restored too often (a poison message that kills every worker):
     * claims it (see CLAIM_STALE) and stores ARGV[4] as its result under KEYS[3] for ARGV[5] seconds
     * (0 = forever). An empty ARGV[4] stores nothing. Returns 1 if it gave up on it.
     */
    static final String ABANDON = STORE + CLAIM_STALE + """
            if ARGV[4] ~= '' then store(KEYS[3], ARGV[4], ARGV[5]) end
            return 1
            """;

    /**
     * Restores an abandoned message: claims it (see CLAIM_STALE) and pushes envelope ARGV[4] to each of
     * KEYS[3..]. Returns 1 if restored.
     */
    static final String RESTORE = CLAIM_STALE + """
            for i = 3, #KEYS do redis.call('RPUSH', KEYS[i], ARGV[4]) end
            return 1
            """;

    /**
     * Celery's {@code task_track_started}: stores STARTED meta ARGV[1] under KEYS[1] for ARGV[2] seconds, only
     * over nothing or an earlier RETRY, so a start reported after the outcome never hides it. Returns 1 if written.
     */
    static final String MARK_STARTED = STORE + """
            local v = redis.call('GET', KEYS[1])
            if v then
              local ok, meta = pcall(cjson.decode, v)
              if not ok or type(meta) ~= 'table' or meta.status ~= 'RETRY' then return 0 end
            end
            store(KEYS[1], ARGV[1], ARGV[2])
            return 1
            """;

    /**
     * Celery's {@code on_chord_part_return} for the Redis backend, in one step: adds entry ARGV[1] with score
     * ARGV[2] to the chord's sorted set KEYS[1], refreshes the three keys' expiry (ARGV[3] s, 0 = none), and if
     * the count now equals the size KEYS[3] plus the correction KEYS[2], removes the keys and returns the
     * entries in order (this caller sends the body); else returns false. Celery runs the same steps as a
     * pipeline and a second round trip; here two header tasks finishing together cannot both send the body.
     */
    static final String CHORD_PART = """
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
            """;
}
