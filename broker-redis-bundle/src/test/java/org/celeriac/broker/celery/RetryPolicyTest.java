package org.celeriac.broker.celery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.celeriac.pool.api.RemoteTaskException;
import org.celeriac.pool.api.TaskRequest;
import org.celeriac.pool.api.TaskRetryException;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy autoretry = RetryPolicy.of(Map.of(TaskRetryException.AUTORETRY_FOR_PROPERTY, "java.io.IOException",
            TaskRetryException.MAX_RETRIES_PROPERTY, 2, TaskRetryException.RETRY_DELAY_PROPERTY, "0.5"));

    @Test
    void autoretryForMatchesTheClassAndItsSubclassesUntilRetriesRunOut() {
        assertEquals(Duration.ofMillis(500), autoretry.retryDelay(new CompletionException(new IOException("x")), 0));
        assertEquals(Duration.ofMillis(500), autoretry.retryDelay(new FileNotFoundException("x"), 1), "a subclass");
        assertNull(autoretry.retryDelay(new IOException("x"), 2), "max retries used up");
        assertNull(autoretry.retryDelay(new IllegalStateException("x"), 0), "not listed");
        assertEquals(Duration.ofMillis(500), autoretry.retryDelay(new RemoteTaskException("java.io.IOException", "x", ""), 0),
                "a prefork child's failure, by its class name");
    }

    @Test
    void anExplicitRetryNeedsNoAutoretryAndMayTimeItself() {
        assertEquals(Duration.ofSeconds(7), RetryPolicy.DEFAULT.retryDelay(new TaskRetryException(Duration.ofSeconds(7), null), 0));
        assertEquals(Duration.ofSeconds(180), RetryPolicy.DEFAULT.retryDelay(new TaskRetryException(null, new IOException()), 2));
        assertNull(RetryPolicy.DEFAULT.retryDelay(new TaskRetryException(null, null), 3), "Celery's max_retries = 3");
        assertEquals("IOException", CeleryError.of(new TaskRetryException(null, new IOException("gone"))).type(),
                "out of retries, the task fails with the retry's cause");
    }

    @Test
    void theRetryMessageIsTheSameTaskOneRetryLaterWithItsCanvas() throws Exception {
        TaskRequest r = TaskRequest.builder("flaky").args(List.of(2)).build();
        TaskMessageDecoder decoder = new TaskMessageDecoder(1 << 20);
        DecodedTask.Run first = (DecodedTask.Run) decoder.decode(KombuMessage.parse(MessageEncoder.task(r, "celery", 0)));
        DecodedTask.Run again = (DecodedTask.Run) decoder.decode(KombuMessage.parse(
                Continuations.retry(first, Duration.ofSeconds(2), "celery")));
        assertEquals(r.id(), again.taskId());
        assertEquals(List.of(2), again.request().args());
        assertEquals(1, Continuations.retries(again));
        assertEquals(true, again.request().eta().isAfter(java.time.Instant.now().plusMillis(1500)));
    }
}
