package org.celeriac.broker.celery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

/** The chord protocol of Celery's Redis backend: entries as Python writes them, the body as Python sends it. */
class ChordsTest {
    private final TaskMessageDecoder decoder = new TaskMessageDecoder(1 << 20);

    private DecodedTask.Run header(String body) throws Exception {
        TaskRequest r = TaskRequest.of("add", 1, 1);
        com.fasterxml.jackson.databind.node.ObjectNode env = (com.fasterxml.jackson.databind.node.ObjectNode)
                Json.MAPPER.readTree(MessageEncoder.task(r, "celery", 0));
        env.put("body", java.util.Base64.getEncoder().encodeToString(("[[1, 1], {}, {\"chord\": " + body + "}]").getBytes()));
        ((com.fasterxml.jackson.databind.node.ObjectNode) env.get("headers")).put("group", "g").put("group_index", 0);
        return (DecodedTask.Run) decoder.decode(KombuMessage.parse(env.toString()));
    }

    @Test
    void theBodyGetsTheHeaderResultsInOrderPrependedAndItsOwnLinks() throws Exception {
        DecodedTask.Run last = header("{\"task\": \"xsum\", \"args\": [100], \"kwargs\": {}, \"immutable\": false, "
                + "\"options\": {\"task_id\": \"body-id\", \"link\": [{\"task\": \"echo\", \"args\": [], \"options\": {}}]}}");
        assertEquals("[1,\"" + last.taskId() + "\",\"SUCCESS\",2]", Chords.part(last, 2, null));
        // Entries as Python's backend writes them (json.dumps, with spaces), ordered by group_index.
        List<String> parts = List.of("[1, \"a\", \"SUCCESS\", 2]", "[1, \"b\", \"SUCCESS\", {\"k\": [1.5]}]", "[1, \"c\", \"SUCCESS\", null]");
        Continuations.Followers done = Chords.complete(last, parts, Instant.now());
        assertTrue(done.writes().isEmpty());
        JsonNode sent = Json.MAPPER.readTree(done.messages().get(0).envelope());
        JsonNode body = Json.MAPPER.readTree(java.util.Base64.getDecoder().decode(sent.get("body").asText()));
        assertEquals("body-id", sent.at("/headers/id").asText());
        assertEquals(Json.MAPPER.readTree("[[2, {\"k\": [1.5]}, null], 100]"), body.get(0));
        assertEquals("echo", body.at("/2/callbacks/0/task").asText(), "the body keeps its own link");
    }

    @Test
    void aFailedHeaderTaskFailsTheBodyWithChordErrorAndCallsItsErrbacks() throws Exception {
        DecodedTask.Run last = header("{\"task\": \"xsum\", \"args\": [], \"options\": {\"task_id\": \"body-id\", "
                + "\"link_error\": [{\"task\": \"echo\", \"args\": [], \"options\": {}}]}}");
        CeleryError boom = new CeleryError(CeleryError.FAILURE, "ValueError", "builtins", "boom", null);
        String failedPart = Chords.part(last, null, boom);
        Continuations.Followers done = Chords.complete(last, List.of("[1, \"a\", \"SUCCESS\", 1]", failedPart), Instant.now());
        JsonNode meta = Json.MAPPER.readTree(done.writes().get(0).value());
        assertEquals("FAILURE", meta.get("status").asText());
        assertEquals("ChordError", meta.at("/result/exc_type").asText());
        assertEquals("Dependency " + last.taskId() + " raised ValueError('boom')", meta.at("/result/exc_message/0").asText());
        JsonNode errback = Json.MAPPER.readTree(done.messages().get(0).envelope());
        JsonNode args = Json.MAPPER.readTree(java.util.Base64.getDecoder().decode(errback.get("body").asText())).get(0);
        assertEquals(Json.MAPPER.readTree("[\"body-id\"]"), args, "the body's errback gets the body's id");
    }
}
