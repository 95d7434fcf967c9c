package org.celeriac.pool.threads.impl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.celeriac.pool.api.BasePool;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskHandle;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRequeuedException;
import org.celeriac.pool.api.TaskState;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.spi.PoolEnvironment;
import org.celeriac.pool.testing.PoolContractTest;
import org.junit.jupiter.api.Test;

class ThreadsPoolTest extends PoolContractTest {

    @Override
    protected BasePool newPool(PoolEnvironment env) {
        return new ThreadsPool(env);
    }

    @Test
    void growAndShrinkResizeTheExecutor() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        pool.grow(2);
        assertEquals(3, pool.stats().concurrency());
        // Three blocked tasks can only all start if the pool really has three threads.
        List<TaskHandle> handles = new ArrayList<>();
        for (String gate : List.of("g1", "g2", "g3")) {
            handles.add(pool.applyAsync(TaskRequest.of("block", gate)));
        }
        for (String gate : List.of("g1", "g2", "g3")) {
            tasks.awaitStarted(gate);
        }
        pool.shrink(2);
        assertEquals(1, pool.stats().concurrency());
        for (String gate : List.of("g1", "g2", "g3")) {
            tasks.open(gate);
        }
        for (TaskHandle h : handles) {
            h.await(WAIT);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.shrink(1));
        assertTrue(e.getMessage().contains("at least one"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.grow(-3));
        assertThrows(UnsupportedOperationException.class, () -> pool.restart());
    }

    /**
     * Workers park when the queue is empty; a job submitted as they park must still wake one. A lost wake-up
     * leaves the job queued until the next submit, so each round submits a few and waits for exactly those.
     * Between rounds the submitter waits 0-40 µs, around the time a worker spins before it parks, so that
     * submits land while workers are parking.
     */
    @Test
    void noJobWaitsWhileAWorkerSleeps() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1)); // one worker: no other one to pick up a job it slept through
        for (int round = 0; round < 20_000; round++) {
            List<TaskHandle> handles = new ArrayList<>();
            for (int i = 0; i <= round % 3; i++) {
                handles.add(pool.applyAsync(TaskRequest.of("noop")));
            }
            for (TaskHandle h : handles) {
                h.await(Duration.ofSeconds(5)); // a lost wake-up times out here
            }
            long until = System.nanoTime() + round % 41 * 1_000L;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }
        assertEquals(1, liveThreads(), "no worker ended or was added on the way");
    }

    /**
     * A given-up task keeps its thread until it returns; a new thread serves in its place meanwhile, so a
     * pool of one still runs the next task, and the given-up thread ends when its task comes back.
     */
    @Test
    void aGivenUpThreadIsReplacedAndEndsWhenItsTaskReturns() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        TaskHandle stuck = pool.applyAsync(TaskRequest.builder("stubborn").args(List.of("given-up"))
                .timeLimit(Duration.ofMillis(50)).build());
        assertInstanceOf(TimeLimitExceededException.class, failure(stuck));
        assertEquals(3L, pool.applyAsync(TaskRequest.of("add", 1, 2)).await(WAIT), "the replacement serves");
        assertEquals(2, liveThreads(), "the given-up thread still runs its task");
        tasks.open("given-up");
        awaitLiveThreads(1);
        assertEquals(5L, pool.applyAsync(TaskRequest.of("add", 2, 3)).await(WAIT));
        assertEquals(1, pool.stats().concurrency());
    }

    @Test
    void shrinkingEndsIdleThreadsAndStopEndsTheRest() throws Exception {
        pool.start(PoolConfig.ofConcurrency(4));
        awaitLiveThreads(4);
        pool.shrink(3);
        awaitLiveThreads(1);
        pool.grow(1);
        awaitLiveThreads(2);
        assertEquals(7L, pool.applyAsync(TaskRequest.of("add", 3, 4)).await(WAIT));
        pool.stop().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        awaitLiveThreads(0);
    }

    /**
     * Grows and shrinks while two threads submit: every task completes exactly once, and the pool ends with
     * as many threads as it is configured for (retirements, cancelled retirements and new threads add up).
     */
    @Test
    void resizingUnderLoadStrandsNoJobAndLeavesTheConfiguredThreads() throws Exception {
        pool.start(PoolConfig.ofConcurrency(2));
        List<TaskHandle> handles = Collections.synchronizedList(new ArrayList<>());
        // The submitters go on until the pool has been resized often enough: on a fast machine 20 000 tasks
        // could all be in before the resizer's first few turns, and the test would check nothing.
        AtomicInteger resizes = new AtomicInteger();
        Runnable submitter = () -> {
            for (int i = 0; i < 10_000 || resizes.get() < 50; i++) {
                handles.add(pool.applyAsync(TaskRequest.of("count", Thread.currentThread().getName() + i)));
            }
        };
        Thread a = new Thread(submitter, "submitter-a");
        Thread b = new Thread(submitter, "submitter-b");
        a.start();
        b.start();
        Random random = new Random(42);
        while (a.isAlive() || b.isAlive()) {
            int n = pool.stats().concurrency();
            if (n < 6 && (n == 1 || random.nextBoolean())) {
                pool.grow(1 + random.nextInt(2));
            } else {
                pool.shrink(1 + random.nextInt(n - 1));
            }
            resizes.incrementAndGet();
            LockSupport.parkNanos(20_000);
        }
        assertTrue(resizes.get() > 20, "the pool was resized only " + resizes + " times while tasks came in");
        a.join();
        b.join();
        for (TaskHandle h : handles) {
            h.await(WAIT);
        }
        assertTrue(handles.size() >= 20_000, handles.size() + " tasks");
        assertEquals(handles.size(), tasks.runs.size());
        assertTrue(tasks.runs.values().stream().allMatch(n -> n.get() == 1), "a task ran twice");
        awaitLiveThreads(pool.stats().concurrency());
    }

    /** Threads of this pool alive now, by their name ({@code celeriac-threads-<pool>-<n>}, the worker's id). */
    private long liveThreads() {
        if (threadPrefix == null) {
            String id = pool.stats().workers().get(0).id();
            threadPrefix = id.substring(0, id.lastIndexOf('-') + 1);
        }
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(threadPrefix))
                .count();
    }

    private String threadPrefix;

    private void awaitLiveThreads(long n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (liveThreads() != n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(n, liveThreads());
    }

    @Test
    void drainPendingHandsBackQueuedTasksExactlyOnce() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        TaskHandle running = pool.applyAsync(TaskRequest.of("block", "drain"));
        tasks.awaitStarted("drain");
        List<TaskHandle> queued = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            queued.add(pool.applyAsync(TaskRequest.of("count", i)));
        }
        assertEquals(100, pool.stats().queued());
        List<TaskRequest> drained = pool.drainPending();
        assertEquals(100, drained.size());
        for (TaskHandle h : queued) {
            assertInstanceOf(TaskRequeuedException.class, failure(h));
            assertEquals(TaskState.REQUEUED, h.state());
        }
        assertTrue(pool.drainPending().isEmpty());
        tasks.open("drain");
        running.await(WAIT);
        assertTrue(tasks.runs.isEmpty(), "a drained task never runs in the pool that gave it back");
        assertEquals(0, pool.stats().failed(), "requeued is not a failure");
    }

    @Test
    void aTerminatedQueuedTaskNeverRuns() throws Exception {
        pool.start(PoolConfig.ofConcurrency(1));
        TaskHandle running = pool.applyAsync(TaskRequest.of("block", "q"));
        tasks.awaitStarted("q");
        TaskRequest queued = TaskRequest.of("count", "terminated");
        TaskHandle h = pool.applyAsync(queued);
        assertTrue(pool.terminateJob(queued.id()));
        assertEquals(TaskState.REVOKED, h.state());
        assertEquals(0, pool.stats().queued());
        tasks.open("q");
        running.await(WAIT);
        assertTrue(tasks.runs.isEmpty());
    }
}
