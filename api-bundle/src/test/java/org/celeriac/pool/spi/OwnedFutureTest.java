package org.celeriac.pool.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.celeriac.pool.api.PoolConfig;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

/** A task's result and start, given out without a copy, cannot be completed by whoever reads them. */
class OwnedFutureTest {

    @Test
    void readersCannotCompleteItAndTheOwnerCan() throws Exception {
        OwnedFuture<Object> f = new OwnedFuture<>();
        CompletableFuture<Object> seen = f.toCompletableFuture();
        assertSame(f, seen, "no copy per reader");
        assertThrows(UnsupportedOperationException.class, () -> seen.complete("forged"));
        assertThrows(UnsupportedOperationException.class, () -> seen.completeExceptionally(new RuntimeException()));
        assertThrows(UnsupportedOperationException.class, () -> seen.obtrudeValue("forged"));
        assertThrows(UnsupportedOperationException.class, () -> seen.obtrudeException(new RuntimeException()));
        assertThrows(UnsupportedOperationException.class, () -> seen.completeAsync(() -> "forged"));
        assertThrows(UnsupportedOperationException.class, () -> seen.orTimeout(1, TimeUnit.MILLISECONDS));
        assertThrows(UnsupportedOperationException.class, () -> seen.completeOnTimeout("forged", 1, TimeUnit.MILLISECONDS));
        assertFalse(seen.cancel(true));
        assertFalse(f.isDone());

        CompletableFuture<Object> dependent = f.thenApply(v -> v);
        assertTrue(dependent.complete("mine"), "a dependent stage belongs to its maker");
        assertTrue(f.settle(42));
        assertFalse(f.settle(43), "the first completion wins");
        assertEquals(42, f.get());
        assertEquals(42, f.thenApply(v -> v).join());
    }

    @Test
    void aFailureReachesListenersUnwrapped() {
        OwnedFuture<Object> f = new OwnedFuture<>();
        IllegalStateException boom = new IllegalStateException("boom");
        Throwable[] heard = new Throwable[1];
        f.whenComplete((v, e) -> heard[0] = e);
        assertTrue(f.settleExceptionally(boom));
        assertSame(boom, heard[0], "the task's own exception, not a CompletionException around it");
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertSame(boom, e.getCause());
    }

    @Test
    void aPoolHandlesResultAndStartAreOwned() {
        AbstractPoolTest.RecordingPool pool = new AbstractPoolTest.RecordingPool();
        pool.start(PoolConfig.DEFAULTS);
        PoolTaskHandle h = new PoolTaskHandle(TaskRequest.of("one"), pool);
        CompletionStage<Object> result = h.result();
        CompletionStage<String> started = h.started();
        assertSame(result, h.result(), "one future per pending handle, however often it is asked");
        assertThrows(UnsupportedOperationException.class, () -> result.toCompletableFuture().complete("forged"));
        assertThrows(UnsupportedOperationException.class, () -> started.toCompletableFuture().complete("forged"));
        h.markStarted("w1");
        assertTrue(h.succeed("done"));
        assertEquals("w1", started.toCompletableFuture().join());
        assertEquals("done", result.toCompletableFuture().join());
    }
}
