package org.celeriac.pool.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskState;
import org.junit.jupiter.api.Test;

/** {@link PoolTaskHandle}'s outcome, and the future it makes only when someone waits or listens. */
class PoolTaskHandleTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static PoolTaskHandle handle() {
        AbstractPoolTest.RecordingPool pool = new AbstractPoolTest.RecordingPool();
        pool.start(PoolConfig.DEFAULTS);
        return new PoolTaskHandle(TaskRequest.of("one"), pool);
    }

    @Test
    void aValueNullAFailureAndAFutureAsAValueReachWhoeverWaitsBeforeOrAfter() throws Exception {
        PoolTaskHandle early = handle();
        CompletableFuture<Object> seen = early.result().toCompletableFuture();
        assertFalse(early.isDone());
        assertTrue(early.succeed(null));
        assertNull(seen.get());
        assertNull(early.await(WAIT));
        assertFalse(early.succeed(2), "the first completion wins");

        PoolTaskHandle late = handle();
        CompletableFuture<String> value = CompletableFuture.completedFuture("a future is a value like any other");
        late.succeed(value);
        assertTrue(late.isDone());
        assertSame(value, late.await(WAIT));
        assertSame(value, late.result().toCompletableFuture().get());

        PoolTaskHandle failed = handle();
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<Object> before = failed.result().toCompletableFuture();
        failed.fail(boom);
        assertEquals(TaskState.FAILURE, failed.state());
        assertSame(boom, assertThrows(ExecutionException.class, before::get).getCause());
        assertSame(boom, assertThrows(ExecutionException.class, () -> failed.await(WAIT)).getCause());
        assertFalse(failed.fail(new IllegalStateException("again")));
    }

    /** Completing and asking for the future race on one field: every waiter must see the outcome, none hang. */
    @Test
    void aWaiterRacingTheCompletionAlwaysSeesIt() throws Exception {
        raceListenersWithTheCompletion((h, listener) -> h.result().whenComplete(listener));
    }

    /**
     * 20 000 rounds of a completer against a listener attached by {@code attach}: each listener must run
     * once, with its round's value.
     */
    private static void raceListenersWithTheCompletion(BiConsumer<PoolTaskHandle, BiConsumer<Object, Throwable>> attach)
            throws InterruptedException {
        int rounds = 20_000;
        AtomicInteger seen = new AtomicInteger();
        List<Throwable> errors = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            PoolTaskHandle h = handle();
            CountDownLatch go = new CountDownLatch(1);
            Integer v = i;
            Thread completer = Thread.ofPlatform().start(() -> {
                awaitQuietly(go);
                h.succeed(v);
            });
            go.countDown();
            attach.accept(h, (r, e) -> {
                if (v.equals(r)) {
                    seen.incrementAndGet();
                } else {
                    synchronized (errors) {
                        errors.add(new AssertionError("round " + v + " saw " + r + " / " + e));
                    }
                }
            });
            completer.join();
        }
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(rounds, seen.get(), "every listener ran once, with its round's value");
    }

    @Test
    void aDirectListenerHearsTheOutcomeOnceBeforeOrAfterAndBesideWaiters() throws Exception {
        PoolTaskHandle early = handle();
        List<Object> heard = new ArrayList<>();
        early.whenDone((v, e) -> heard.add(v));
        CompletableFuture<Object> waiter = early.result().toCompletableFuture();
        early.whenDone((v, e) -> heard.add("second:" + v)); // a second listener takes the ordinary way
        assertTrue(early.succeed("v"));
        assertFalse(early.fail(new IllegalStateException("late")));
        assertEquals(java.util.Set.of("v", "second:v"), java.util.Set.copyOf(heard));
        assertEquals(2, heard.size(), "each listener once");
        assertEquals("v", waiter.get());

        PoolTaskHandle failed = handle();
        IllegalStateException boom = new IllegalStateException("boom");
        Throwable[] error = new Throwable[2];
        failed.whenDone((v, e) -> error[0] = e);
        failed.fail(boom);
        failed.whenDone((v, e) -> error[1] = e); // after completion: at once
        assertSame(boom, error[0], "the task's own exception, not a CompletionException");
        assertSame(boom, error[1]);
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheCompletion() throws Exception {
        PoolTaskHandle h = handle();
        h.whenDone((v, e) -> {
            throw new IllegalStateException("a broken listener");
        });
        CompletableFuture<Object> waiter = h.result().toCompletableFuture();
        assertTrue(h.succeed(7));
        assertEquals(7, waiter.get());
        assertEquals(TaskState.SUCCESS, h.state());
    }

    @Test
    void aDirectListenerRacingTheCompletionRunsOnceWithTheValue() throws Exception {
        raceListenersWithTheCompletion(PoolTaskHandle::whenDone);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
