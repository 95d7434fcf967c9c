package org.celeriac.broker.celery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

/**
 * Groups, chains and chords as callbacks and as chain steps, from the embeds Celery 5.2 writes for them (captured
 * from {@code chain(add.s(1, 1), group(...))} etc., ids shortened): what the worker sends after the task, and
 * what it records as the task's children.
 */
class CanvasFollowersTest {
    private static final String ADD10 = "{\"task\": \"add\", \"args\": [10], \"kwargs\": {}, \"options\": %s, \"subtask_type\": null, \"immutable\": false}";
    private static final String ADD20 = "{\"task\": \"add\", \"args\": [20], \"kwargs\": {}, \"options\": %s, \"subtask_type\": null, \"immutable\": false}";
    private static final String TSUM = "{\"task\": \"tsum\", \"args\": [], \"kwargs\": {}, \"options\": {\"task_id\": \"body\"}, \"subtask_type\": null, \"immutable\": false}";

    private final TaskMessageDecoder decoder = new TaskMessageDecoder(1 << 20);

    @Test
    void aGroupAsTheNextChainStepSendsEachTaskAsAMemberAndIsTheTasksChild() throws Exception {
        String group = "{\"task\": \"celery.group\", \"args\": [], \"kwargs\": {\"tasks\": ["
                + ADD10.formatted("{\"task_id\": \"m0\", \"group_index\": 0}") + ", "
                + ADD20.formatted("{\"task_id\": \"m1\", \"group_index\": 1}") + "]}, "
                + "\"options\": {\"task_id\": \"g1\", \"root_id\": null, \"parent_id\": null}, \"subtask_type\": \"group\", \"immutable\": false}";
        Continuations.Followers next = Continuations.onSuccess(head("{\"chain\": [" + group + "]}"), 2);
        assertEquals(2, next.messages().size());
        DecodedTask.Run first = run(next.messages().get(0));
        DecodedTask.Run second = run(next.messages().get(1));
        assertEquals(List.of("m0", "m1"), List.of(first.taskId(), second.taskId()), "the ids the caller's GroupResult holds");
        assertEquals(List.of(2, 10), first.request().args(), "the parent's result first");
        assertEquals(List.of(2, 20), second.request().args());
        assertEquals("g1", first.group());
        assertEquals(1, second.groupIndex().intValue());
        assertEquals("head", first.request().headers().get("parent_id"));
        assertTrue(next.writes().isEmpty(), "a plain group has no chord to count");
        assertEquals(List.of(tuple("g1", List.of(tuple("m0", null), tuple("m1", null)))), next.children(),
                "result.children: the GroupResult, as Celery's as_tuple() writes it");
    }

    @Test
    void aChordAsTheNextChainStepStoresItsSizeAndSendsTheHeaderCarryingTheBody() throws Exception {
        String header = "{\"task\": \"celery.group\", \"args\": [], \"kwargs\": {\"tasks\": ["
                + ADD10.formatted("{\"task_id\": \"h0\", \"chord\": " + TSUM + ", \"group_index\": 0}") + ", "
                + ADD20.formatted("{\"task_id\": \"h1\", \"chord\": " + TSUM + ", \"group_index\": 1}") + "]}, "
                + "\"options\": {\"task_id\": \"g2\", \"chord\": " + TSUM + "}, \"subtask_type\": \"group\", \"immutable\": false}";
        String chord = "{\"task\": \"celery.chord\", \"args\": [], \"kwargs\": {\"kwargs\": {}, \"header\": " + header
                + ", \"body\": " + TSUM + "}, \"options\": {\"task_id\": \"g2\"}, \"subtask_type\": \"chord\", \"immutable\": false}";
        Continuations.Followers next = Continuations.onSuccess(head("{\"chain\": [" + chord + "]}"), 2);
        assertEquals(List.of(new Continuations.Stored("celery-taskset-meta-g2.s", "2")), next.writes(),
                "the header's size, where the Redis backend counts the chord (set_chord_size)");
        assertEquals(2, next.messages().size());
        for (Continuations.Outgoing m : next.messages()) {
            DecodedTask.Run member = run(m);
            assertTrue(Chords.isHeaderTask(member), "a header task joins the chord when it finishes");
            assertEquals("g2", member.group());
            assertEquals("body", member.canvas().chord().taskId());
        }
        assertEquals(List.of(2, 20), run(next.messages().get(1)).request().args());
    }

    @Test
    void aChainAsALinkCallbackSendsItsFirstTaskCarryingTheRest() throws Exception {
        String chain = "{\"task\": \"celery.chain\", \"args\": [], \"kwargs\": {\"tasks\": [" + ADD10.formatted("{}") + ", "
                + ADD20.formatted("{}") + "]}, \"options\": {}, \"subtask_type\": \"chain\", \"immutable\": false}";
        Continuations.Followers next = Continuations.onSuccess(head("{\"callbacks\": [" + chain + "]}"), 2);
        assertEquals(1, next.messages().size());
        DecodedTask.Run first = run(next.messages().get(0));
        assertEquals(List.of(2, 10), first.request().args());
        assertEquals(1, first.canvas().chain().size());
        DecodedTask.Run second = run(Continuations.onSuccess(first, 12).messages().get(0));
        assertEquals(List.of(12, 20), second.request().args());
        assertEquals(List.of(tuple(first.taskId(), null)), next.children());
    }

    @Test
    void aChordOfAListAsALinkCallbackGetsOneBodyIdAndItsSize() throws Exception {
        String chord = "{\"task\": \"celery.chord\", \"args\": [], \"kwargs\": {\"kwargs\": {}, \"header\": [" + ADD10.formatted("{}")
                + ", " + ADD20.formatted("{}") + "], \"body\": {\"task\": \"tsum\", \"args\": [], \"kwargs\": {}, \"options\": {}, "
                + "\"subtask_type\": null, \"immutable\": false}}, \"options\": {}, \"subtask_type\": \"chord\", \"immutable\": false}";
        Continuations.Followers next = Continuations.onSuccess(head("{\"callbacks\": [" + chord + "]}"), 2);
        DecodedTask.Run a = run(next.messages().get(0));
        DecodedTask.Run b = run(next.messages().get(1));
        assertNotNull(a.canvas().chord().taskId());
        assertEquals(a.canvas().chord().taskId(), b.canvas().chord().taskId(), "every header task names the same body");
        assertEquals(a.group(), b.group());
        assertEquals(List.of(new Continuations.Stored("celery-taskset-meta-" + a.group() + ".s", "2")), next.writes());
    }

    @Test
    void aGroupBodyOfAChordGetsTheHeaderResultsInEveryTask() throws Exception {
        String body = "{\"task\": \"celery.group\", \"args\": [], \"kwargs\": {\"tasks\": [" + ADD10.formatted("{}") + ", "
                + ADD20.formatted("{}") + "]}, \"options\": {\"task_id\": \"gb\"}, \"subtask_type\": \"group\", \"immutable\": false}";
        DecodedTask.Run last = head("{\"chord\": " + body + "}");
        Continuations.Followers done = Chords.complete(last, List.of("[1, \"a\", \"SUCCESS\", 1]", "[1, \"b\", \"SUCCESS\", 2]"),
                java.time.Instant.now());
        assertEquals(2, done.messages().size());
        assertEquals(List.of(List.of(1, 2), 10), run(done.messages().get(0)).request().args());
        assertEquals("gb", run(done.messages().get(1)).group());
    }

    @Test
    void aRetriedHeaderTaskKeepsItsGroupAndItsChord() throws Exception {
        DecodedTask.Run header = head("{\"chord\": " + TSUM + "}");
        DecodedTask.Run again = (DecodedTask.Run) decoder.decode(KombuMessage.parse(
                Continuations.retry(header, java.time.Duration.ofSeconds(1), "celery")));
        assertEquals("gh", again.group());
        assertEquals("body", again.canvas().chord().taskId());
    }

    @Test
    void chunksAsACallbackAreTheGroupOfStarmapsCeleryMakesOfThem() throws Exception {
        String chunks = "{\"task\": \"celery.chunks\", \"args\": [], \"kwargs\": {\"task\": " + ADD10.formatted("{}")
                + ", \"it\": [[1, 1], [2, 2], [3, 3]], \"n\": 2}, \"options\": {}, \"subtask_type\": \"chunks\", \"immutable\": false}";
        Continuations.Followers next = Continuations.onSuccess(head("{\"callbacks\": [" + chunks + "]}"), 2);
        assertEquals(2, next.messages().size());
        DecodedTask.Run first = run(next.messages().get(0));
        assertEquals("celery.starmap", first.request().name());
        assertEquals(List.of(), first.request().args(), "a starmap takes no partial arguments");
        assertEquals(List.of(List.of(1, 1), List.of(2, 2)), first.request().kwargs().get("it"));
        assertNull(first.canvas().chord());
    }

    /** Task "head" (add(1, 1), member 0 of group "gh") whose message carries {@code embed}. */
    private DecodedTask.Run head(String embed) throws Exception {
        ObjectNode env = (ObjectNode) Json.MAPPER.readTree(MessageEncoder.task(
                TaskRequest.builder("add").id("head").args(List.of(1, 1)).build(), "celery", 0));
        env.put("body", Base64.getEncoder().encodeToString(("[[1, 1], {}, " + embed + "]").getBytes()));
        ((ObjectNode) env.get("headers")).put("group", "gh").put("group_index", 0);
        return (DecodedTask.Run) decoder.decode(KombuMessage.parse(env.toString()));
    }

    private DecodedTask.Run run(Continuations.Outgoing m) throws Exception {
        return (DecodedTask.Run) decoder.decode(KombuMessage.parse(m.envelope()));
    }

    private static List<Object> tuple(String id, List<Object> children) {
        return Arrays.asList(Arrays.asList(id, null), children);
    }
}
