package org.celeriac.broker.celery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

/** What follows a task, as Celery's worker does it: the data a Python chain sent (see TaskMessageDecoderTest). */
class ContinuationsTest {
    private final TaskMessageDecoder decoder = new TaskMessageDecoder(1 << 20);

    /** chain(add.s(2, 3), add.s(10), echo.si('done')) as Celery 5.2 writes its first message, plus link/link_error. */
    private DecodedTask.Run chainHead() throws Exception {
        String chain = "[{\"task\": \"echo\", \"args\": [\"done\"], \"kwargs\": {}, \"options\": {\"task_id\": \"t3\"}, "
                + "\"subtask_type\": null, \"immutable\": true}, {\"task\": \"add\", \"args\": [10], \"kwargs\": {}, "
                + "\"options\": {\"task_id\": \"t2\", \"queue\": \"math\"}, \"subtask_type\": null, \"immutable\": false}]";
        String embed = "{\"callbacks\": [{\"task\": \"echo\", \"args\": [\"cb\"], \"kwargs\": {}, \"options\": {}, \"subtask_type\": null, "
                + "\"immutable\": false}], \"errbacks\": [{\"task\": \"echo\", \"args\": [], \"kwargs\": {}, \"options\": {}, "
                + "\"subtask_type\": null, \"immutable\": false}], \"chain\": " + chain + ", \"chord\": null}";
        com.fasterxml.jackson.databind.node.ObjectNode env = (com.fasterxml.jackson.databind.node.ObjectNode)
                Json.MAPPER.readTree(MessageEncoder.task(TaskRequest.builder("add").id("t1").args(List.of(2, 3)).build(), "celery", 3));
        env.put("body", java.util.Base64.getEncoder().encodeToString(("[[2, 3], {}, " + embed + "]").getBytes()));
        return (DecodedTask.Run) decoder.decode(KombuMessage.parse(env.toString()));
    }

    @Test
    void successSendsCallbacksAndTheNextChainTaskWithTheResultFirst() throws Exception {
        List<Continuations.Outgoing> out = Continuations.onSuccess(chainHead(), 5).messages();
        assertEquals(2, out.size());
        DecodedTask.Run callback = run(out.get(0));
        assertEquals("echo", callback.request().name());
        assertEquals(List.of(5, "cb"), callback.request().args(), "the result comes first");
        assertEquals("t1", callback.request().headers().get("parent_id"));
        Continuations.Outgoing next = out.get(1);
        assertEquals("math", next.queue(), "options.queue routes it");
        assertEquals(3, next.priority(), "priority is inherited");
        DecodedTask.Run second = run(next);
        assertEquals("t2", second.taskId(), "the id the caller already holds");
        assertEquals(List.of(5, 10), second.request().args());
        assertEquals("t1", second.request().headers().get("root_id"));
        assertEquals(1, second.canvas().chain().size(), "carries the rest of the chain");
        DecodedTask.Run third = run(Continuations.onSuccess(second, 15).messages().get(0));
        assertEquals("t3", third.taskId());
        assertEquals(List.of("done"), third.request().args(), "si(): immutable, no result prepended");
        assertEquals("t1", third.request().headers().get("root_id"));
        assertTrue(Continuations.onSuccess(third, List.of("done")).messages().isEmpty(), "the chain ends");
    }

    @Test
    void failureReachesTheRestOfTheChainAndTheErrbacks() throws Exception {
        DecodedTask.Run head = chainHead();
        CeleryError error = CeleryError.of(new IllegalStateException("boom"));
        List<Continuations.Stored> stored = Continuations.propagate(head, error, Instant.now());
        assertEquals(List.of("celery-task-meta-t3", "celery-task-meta-t2"), stored.stream().map(Continuations.Stored::key).toList());
        assertTrue(stored.get(0).value().contains("\"FAILURE\""));
        List<Continuations.Outgoing> errbacks = Continuations.onFailure(head).messages();
        assertEquals(1, errbacks.size());
        assertEquals(List.of("t1"), run(errbacks.get(0)).request().args(), "an errback gets the failed task's id");
        assertNull(run(errbacks.get(0)).request().headers().get("nothing"));
    }

    private DecodedTask.Run run(Continuations.Outgoing m) throws Exception {
        return (DecodedTask.Run) decoder.decode(KombuMessage.parse(m.envelope()));
    }
}
