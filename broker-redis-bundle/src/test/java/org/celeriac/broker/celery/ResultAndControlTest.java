package org.celeriac.broker.celery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.celeriac.pool.api.RemoteTaskException;
import org.celeriac.pool.api.TaskTerminatedException;
import org.celeriac.pool.api.TimeLimitExceededException;
import org.celeriac.pool.api.UnknownTaskException;
import org.junit.jupiter.api.Test;

class ResultAndControlTest {
    private static final Instant DONE = Instant.parse("2026-11-25T06:00:00.123456789Z");

    @Test
    void successMetaHasCeleryKeys() throws Exception {
        JsonNode meta = Json.MAPPER.readTree(ResultMeta.success("id-1", 5, DONE));
        assertEquals("SUCCESS", meta.get("status").asText());
        assertEquals(5, meta.get("result").asInt());
        assertTrue(meta.get("traceback").isNull());
        assertTrue(meta.get("children").isArray());
        assertEquals("2026-11-25T06:00:00.123456+00:00", meta.get("date_done").asText(), "Python's isoformat()");
        assertEquals("id-1", meta.get("task_id").asText());
    }

    @Test
    void failuresUseCeleryExceptionTypesWhereCeleryHasThem() throws Exception {
        assertEquals(List.of("NotRegistered", "celery.exceptions", "FAILURE"),
                fields(CeleryError.of(new CompletionException(new UnknownTaskException("nope", List.of("add"))))));
        assertEquals(List.of("TaskRevokedError", "celery.exceptions", "REVOKED"),
                fields(CeleryError.of(new TaskTerminatedException("stop"))));
        assertEquals(List.of("TimeLimitExceeded", "billiard.exceptions", "FAILURE"),
                fields(CeleryError.of(new TimeLimitExceededException("10 s"))));
        CeleryError remote = CeleryError.of(new RemoteTaskException("java.lang.ArithmeticException", "/ by zero", "trace"));
        assertEquals(List.of("ArithmeticException", "java.lang", "FAILURE"), fields(remote));
        assertEquals("/ by zero", remote.message());
        JsonNode meta = Json.MAPPER.readTree(ResultMeta.failure("id-2", CeleryError.of(new IllegalStateException("bad")), DONE));
        assertEquals("FAILURE", meta.get("status").asText());
        assertEquals("IllegalStateException", meta.at("/result/exc_type").asText());
        assertEquals("bad", meta.at("/result/exc_message/0").asText());
        assertTrue(meta.get("traceback").asText().contains("ResultAndControlTest"));
    }

    @Test
    void controlRequestsAreAddressedLikeKombuDoes() throws Exception {
        ControlRequest all = control("{\"method\": \"ping\", \"arguments\": {}, \"destination\": null, \"pattern\": null, "
                + "\"matcher\": null, \"ticket\": \"t1\", \"reply_to\": {\"exchange\": \"reply.celery.pidbox\", \"routing_key\": \"r1\"}}");
        assertTrue(all.addresses("celeriac@a"));
        assertTrue(all.wantsReply());
        ControlRequest one = control("{\"method\": \"revoke\", \"arguments\": {\"task_id\": \"x\"}, \"destination\": [\"celeriac@b\"]}");
        assertFalse(one.addresses("celeriac@a"));
        assertTrue(one.addresses("celeriac@b"));
        assertFalse(one.wantsReply());
        assertEquals("x", one.arguments().get("task_id"));
        ControlRequest glob = control("{\"method\": \"ping\", \"pattern\": \"celeriac@w?-*\", \"matcher\": \"glob\"}");
        assertTrue(glob.addresses("celeriac@w1-x"));
        assertFalse(glob.addresses("celery@w1-x"));
        ControlRequest pcre = control("{\"method\": \"ping\", \"pattern\": \"celeriac@w[0-9]\", \"matcher\": \"pcre\"}");
        assertTrue(pcre.addresses("celeriac@w7.host"), "re.match anchors at the start only");
    }

    @Test
    void replyCarriesTheTicketAndNodeName() throws Exception {
        KombuMessage reply = KombuMessage.parse(MessageEncoder.controlReply("celeriac@a", java.util.Map.of("ok", "pong"),
                "t1", "reply.celery.pidbox", "r1"));
        assertEquals("t1", reply.headers().get("ticket").asText());
        assertEquals("pong", Json.MAPPER.readTree(reply.body()).at("/celeriac@a/ok").asText());
        assertNull(reply.headers().get("nothing"));
    }

    private static List<String> fields(CeleryError e) {
        return List.of(e.type(), e.module(), e.state());
    }

    private static ControlRequest control(String body) throws Exception {
        String env = "{\"body\": \"" + Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8))
                + "\", \"content-type\": \"application/json\", \"headers\": {}, \"properties\": {\"body_encoding\": \"base64\"}}";
        return ControlRequest.decode(KombuMessage.parse(env));
    }
}
