package org.celeriac.worker.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.spi.MapTaskRegistry;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.threads.impl.ThreadsPool;
import org.celeriac.worker.api.Autoscale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Celery's autoscaler semantics on a real threads pool, ticked by hand: grow while tasks wait, shrink after the keep-alive. */
class AutoscalerTest {
    private final ThreadsPool pool = new ThreadsPool(PoolEnvironment.of(new MapTaskRegistry()
            .register("sleep", (ctx, args, kwargs) -> {
                Thread.sleep(((Number) args.get(0)).longValue());
                return args.get(0);
            })));
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
    private final Autoscaler autoscaler = new Autoscaler(() -> pool, timers);

    @AfterEach
    void stop() {
        pool.terminate();
        timers.shutdownNow();
    }

    @Test
    void growsToMaxWhileTasksWaitAndShrinksToMinAfterTheKeepAliveLosingNothing() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        autoscaler.configure(new Autoscale(8, 1, Duration.ofMillis(300)));
        List<TaskHandle> handles = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            handles.add(pool.applyAsync(TaskRequest.of("sleep", 20)));
        }
        autoscaler.tick();
        assertEquals(8, pool.stats().concurrency(), "grown at once to MAX: 200 tasks wait");
        while (!handles.stream().allMatch(h -> h.state().isDone())) {
            Thread.sleep(20);
            autoscaler.tick(); // as the timer does, once a second in the worker
        }
        for (TaskHandle h : handles) {
            assertEquals(20L, ((Number) h.await(Duration.ofSeconds(30))).longValue());
        }
        autoscaler.tick();
        assertEquals(8, pool.stats().concurrency(), "idle, but within the keep-alive");
        Thread.sleep(400);
        autoscaler.tick();
        assertEquals(1, pool.stats().concurrency(), "shrunk to MIN after the keep-alive");
        assertEquals(200, pool.stats().completed());
    }

    @Test
    void boundsAreCheckedAsCeleryReadsThem() {
        assertEquals(new Autoscale(10, 3, Duration.ZERO), Autoscale.parse("10,3", Duration.ZERO));
        assertEquals(new Autoscale(10, 1, Duration.ZERO), Autoscale.parse("10", Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> Autoscale.parse("3,10", Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> Autoscale.parse("many", Duration.ZERO));
    }
}
