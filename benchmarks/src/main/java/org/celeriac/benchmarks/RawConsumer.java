package org.celeriac.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * {@link BrokerBench}'s raw baselines, each a Java program of its own: one thread takes {@code add} messages
 * from a queue, runs them and writes their results in Celery's format, with no guarantee (a crash loses what
 * it holds). In the benchmark's JVM they shared its JIT with the worker: code both run (Jedis, Jackson, the
 * JDK's) was compiled for one's profile and thrown away for the other's — 387 methods made not entrant during
 * five measured rounds, and C2 on a quarter of the JVM's CPU samples — a cost neither a real worker nor a
 * real consumer pays.
 *
 * <p>Usage: {@code RawConsumer <redis-port> pipelined|one-at-a-time <queue>}; it ends when its standard input
 * closes (the benchmark ended, however it ended).
 */
public final class RawConsumer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RawConsumer() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String queue = args[2];
        Function<Jedis, List<String>> take = switch (args[1]) {
            case "pipelined" -> j -> batched(j, queue);
            case "one-at-a-time" -> j -> oneAtATime(j, queue);
            default -> throw new IllegalArgumentException("mode " + args[1] + ": pipelined or one-at-a-time");
        };
        Thread.ofPlatform().daemon().start(() -> {
            try {
                System.in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // as closed
            }
            Runtime.getRuntime().halt(0);
        });
        consume(port, take);
    }

    /** Starts one in a JVM of its own, with this JVM's class path and the given JVM options. */
    static Process start(int port, String mode, String queue, List<String> jvmOptions) throws IOException {
        return new ProcessBuilder(JavaCommand.of(jvmOptions, RawConsumer.class, Integer.toString(port), mode, queue)).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Ends one started by {@link #start}. */
    static void stop(Process p) throws InterruptedException {
        try {
            p.getOutputStream().close();
        } catch (IOException e) {
            // it is going anyway
        }
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }

    /** One message per round trip: {@code BRPOP}, then its result. */
    private static List<String> oneAtATime(Jedis j, String queue) {
        List<String> popped = j.brpop(1, queue);
        return popped == null || popped.isEmpty() ? List.of() : List.of(popped.get(1));
    }

    /** Up to 256 messages per round trip ({@code RPOP key count}), waiting with {@code BRPOP} when empty. */
    private static List<String> batched(Jedis j, String queue) {
        List<String> popped = j.rpop(queue, 256);
        return popped != null && !popped.isEmpty() ? popped : oneAtATime(j, queue);
    }

    /** Takes messages with {@code take} and answers each batch's results in one pipeline, for ever. */
    private static void consume(int port, Function<Jedis, List<String>> take) {
        try (Jedis j = new Jedis("127.0.0.1", port)) {
            for (;;) {
                List<String> popped = take.apply(j);
                if (popped.isEmpty()) {
                    continue;
                }
                Pipeline p = j.pipelined();
                for (String raw : popped) {
                    String[] result = result(raw);
                    p.setex(result[0], 86400, result[1]);
                    p.publish(result[0], result[1]);
                }
                p.sync();
            }
        }
    }

    /** Runs the {@code add} of one raw envelope: its result key and Celery result meta. */
    private static String[] result(String raw) {
        try {
            JsonNode envelope = JSON.readTree(raw);
            String id = envelope.at("/headers/id").asText();
            JsonNode body = JSON.readTree(Base64.getDecoder().decode(envelope.get("body").asText()));
            long sum = 0;
            for (JsonNode a : body.get(0)) {
                sum += a.asLong();
            }
            return new String[] {"celery-task-meta-" + id, "{\"status\": \"SUCCESS\", \"result\": " + sum
                    + ", \"traceback\": null, \"children\": [], \"date_done\": \"" + java.time.Instant.now()
                    + "\", \"task_id\": \"" + id + "\"}"};
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
