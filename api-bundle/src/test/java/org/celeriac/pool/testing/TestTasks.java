package org.celeriac.pool.testing;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.celeriac.pool.api.SoftTimeLimitExceededException;
import org.celeriac.pool.spi.MapTaskRegistry;

/**
 * Real tasks for pool tests, registered in a {@link MapTaskRegistry}. Tasks that must be held use named
 * latches ({@link #gate(String)}), so tests synchronise on events, never on sleeps.
 */
public final class TestTasks {
    public final MapTaskRegistry registry = new MapTaskRegistry();
    /** Tasks of "gauge" running now, and the most ever seen at once. */
    public final AtomicInteger concurrent = new AtomicInteger();
    public final AtomicInteger maxConcurrent = new AtomicInteger();
    /** Calls of "count", by argument: a task id run twice shows up here. */
    public final ConcurrentHashMap<Object, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, CountDownLatch> gates = new ConcurrentHashMap<>();
    /** Counted down by "block" when it starts, per gate name. */
    private final ConcurrentHashMap<String, CountDownLatch> started = new ConcurrentHashMap<>();

    public TestTasks() {
        registry.register("add", (ctx, args, kw) -> ((Number) args.get(0)).longValue() + ((Number) args.get(1)).longValue());
        registry.register("noop", (ctx, args, kw) -> null);
        registry.register("fail", (ctx, args, kw) -> {
            throw new IllegalStateException("boom: " + args);
        });
        registry.register("worker", (ctx, args, kw) -> ctx.workerId());
        registry.register("logger", (ctx, args, kw) -> ctx.logger().getName());
        registry.register("count", (ctx, args, kw) -> runs.computeIfAbsent(args.get(0), k -> new AtomicInteger()).incrementAndGet());
        // Waits (interruptibly) until gate args[0] opens.
        registry.register("block", (ctx, args, kw) -> {
            String gate = (String) args.get(0);
            startedLatch(gate).countDown();
            gate(gate).await();
            return gate;
        });
        // Busy-waits, ignoring interrupts, until gate args[0] opens: a task only a hard limit can stop.
        registry.register("stubborn", (ctx, args, kw) -> {
            String gate = (String) args.get(0);
            startedLatch(gate).countDown();
            while (gate(gate).getCount() > 0) {
                Thread.onSpinWait();
            }
            return "stubborn done";
        });
        // CPU loop that cooperates with the soft limit, and reports that it saw it.
        registry.register("cooperative", (ctx, args, kw) -> {
            try {
                while (true) {
                    ctx.checkSoftTimeLimit();
                    Thread.onSpinWait();
                }
            } catch (SoftTimeLimitExceededException e) {
                return "cleaned up after soft limit";
            }
        });
        // Sleeps for args[0] ms, tracking how many run at once.
        registry.register("gauge", (ctx, args, kw) -> {
            int now = concurrent.incrementAndGet();
            maxConcurrent.accumulateAndGet(now, Math::max);
            try {
                Thread.sleep(((Number) args.get(0)).longValue());
            } finally {
                concurrent.decrementAndGet();
            }
            return now;
        });
    }

    public CountDownLatch gate(String name) {
        return gates.computeIfAbsent(name, k -> new CountDownLatch(1));
    }

    private CountDownLatch startedLatch(String name) {
        return started.computeIfAbsent(name, k -> new CountDownLatch(1));
    }

    /** Waits until a task blocked on gate {@code name} has started. */
    public void awaitStarted(String name) throws InterruptedException {
        if (!startedLatch(name).await(20, TimeUnit.SECONDS)) {
            throw new AssertionError("no task on gate " + name + " started within 20 s");
        }
    }

    public void open(String name) {
        gate(name).countDown();
    }
}
