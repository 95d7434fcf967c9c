package org.celeriac.broker.celery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.celeriac.pool.api.TaskRequest;
import org.junit.jupiter.api.Test;

class TaskMessageDecoderTest {
    /** Written by Celery 5.2.6 / kombu 5.2.4: {@code add.apply_async((2, 3), time_limit=10, soft_time_limit=5)}. */
    static final String FROM_PYTHON = "{\"body\": \"W1syLCAzXSwge30sIHsiY2FsbGJhY2tzIjogbnVsbCwgImVycmJhY2tzIjogbnVsbCwgImNoYWluIjogbnVsbCwgImNob3JkIjogbnVsbH1d\", "
            + "\"content-encoding\": \"utf-8\", \"content-type\": \"application/json\", \"headers\": {\"lang\": \"py\", \"task\": \"add\", "
            + "\"id\": \"e2e4db75-6cfa-48c2-9c91-a86ba93727f9\", \"shadow\": null, \"eta\": null, \"expires\": null, \"group\": null, "
            + "\"group_index\": null, \"retries\": 0, \"timelimit\": [10, 5], \"root_id\": \"e2e4db75-6cfa-48c2-9c91-a86ba93727f9\", "
            + "\"parent_id\": null, \"argsrepr\": \"(2, 3)\", \"kwargsrepr\": \"{}\", \"origin\": \"gen2093@vm\", \"ignore_result\": false}, "
            + "\"properties\": {\"correlation_id\": \"e2e4db75-6cfa-48c2-9c91-a86ba93727f9\", \"reply_to\": \"c77e7524-e9b6-3b38-b3fb-45af0a82321f\", "
            + "\"delivery_mode\": 2, \"delivery_info\": {\"exchange\": \"\", \"routing_key\": \"celery\"}, \"priority\": 0, "
            + "\"body_encoding\": \"base64\", \"delivery_tag\": \"98687c04-e322-4bd8-b554-4a4793f85518\"}}";

    private final TaskMessageDecoder decoder = new TaskMessageDecoder(1 << 20);

    @Test
    void readsWhatPythonCelerySends() throws Exception {
        KombuMessage m = KombuMessage.parse(FROM_PYTHON);
        assertEquals("98687c04-e322-4bd8-b554-4a4793f85518", m.deliveryTag());
        assertEquals("celery", m.routingKey());
        DecodedTask.Run run = assertInstanceOf(DecodedTask.Run.class, decoder.decode(m));
        TaskRequest r = run.request();
        assertEquals("add", r.name());
        assertEquals("e2e4db75-6cfa-48c2-9c91-a86ba93727f9", r.id());
        assertEquals(List.of(2, 3), r.args());
        assertEquals(Map.of(), r.kwargs());
        assertEquals(Duration.ofSeconds(10), r.timeLimit(), "timelimit is [hard, soft]");
        assertEquals(Duration.ofSeconds(5), r.softTimeLimit());
        assertNull(r.eta());
        assertEquals(0, r.headers().get("retries"));
        assertEquals(false, r.headers().get("redelivered"));
        assertFalse(run.ignoreResult());
    }

    @Test
    void encoderWritesWhatTheDecoderReads() throws Exception {
        Instant eta = Instant.parse("2030-01-02T03:04:05.123456Z");
        TaskRequest sent = TaskRequest.builder("echo").args(List.of("a", 1.5, new BigInteger("123456789012345678901234567890")))
                .kwargs(Map.of("k", List.of(true))).eta(eta).timeLimit(Duration.ofSeconds(3)).build();
        KombuMessage m = KombuMessage.parse(MessageEncoder.task(sent, "jobs", 6));
        assertEquals(6, m.priority());
        assertEquals("jobs", m.routingKey());
        TaskRequest got = ((DecodedTask.Run) decoder.decode(m)).request();
        assertEquals(sent.id(), got.id());
        assertEquals(sent.args(), got.args(), "a Python big int stays exact");
        assertEquals(sent.kwargs(), got.kwargs());
        assertEquals(eta, got.eta());
        assertEquals(Duration.ofSeconds(3), got.timeLimit());
        assertNull(got.softTimeLimit());
    }

    /**
     * A body just under the documented 16 MiB limit runs, one over it gets a result that says why: neither is
     * dropped. Base64 makes a 15 MiB body a 20 MiB string in the envelope, past Jackson's default limit of
     * 20 000 000 characters for one string (issue 14: the message vanished and get() waited forever).
     */
    @Test
    void bodiesUpToTheLimitRunAndLargerOnesAreRefusedByIdNeverDropped() throws Exception {
        TaskMessageDecoder sixteenMiB = new TaskMessageDecoder(16 << 20);
        TaskRequest big = TaskRequest.builder("echo").args(List.of("x".repeat(15 << 20))).build();
        DecodedTask.Run run = assertInstanceOf(DecodedTask.Run.class, sixteenMiB.decode(KombuMessage.parse(MessageEncoder.task(big, "celery", 0))));
        assertEquals(15 << 20, ((String) run.request().args().get(0)).length());

        TaskRequest bigger = TaskRequest.builder("echo").args(List.of("x".repeat(17 << 20))).build();
        DecodedTask.Refuse refused = assertInstanceOf(DecodedTask.Refuse.class,
                sixteenMiB.decode(KombuMessage.parse(MessageEncoder.task(bigger, "celery", 0))));
        assertEquals(bigger.id(), refused.taskId());
        assertTrue(refused.error().message().contains("max.message.bytes"), refused.error().message());
    }

    @Test
    void nanAndInfinityAsPythonsJsonSendsThemAreFloatArgumentsAndGoBackTheSameWay() throws Exception {
        ObjectNode env = envelope();
        // json.dumps([[float('nan'), float('inf'), float('-inf')], {}, {...}]) in Python
        env.put("body", b64("[[NaN, Infinity, -Infinity], {}, {\"callbacks\": null, \"errbacks\": null, \"chain\": null, \"chord\": null}]"));
        TaskRequest r = ((DecodedTask.Run) decoder.decode(KombuMessage.parse(env.toString()))).request();
        assertEquals(List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY), r.args());
        assertEquals("[NaN,Infinity,-Infinity]", Json.write(r.args()), "as Python's json.loads reads them back");
    }

    @Test
    void refusesPickleWithoutReadingIt() throws Exception {
        ObjectNode env = envelope();
        env.put("content-type", "application/x-python-serialize");
        env.put("body", Base64.getEncoder().encodeToString(new byte[] {(byte) 0x80, 4, (byte) 0x95}));
        DecodedTask.Refuse r = refuse(env);
        assertEquals("ContentDisallowed", r.error().type());
        assertEquals("kombu.exceptions", r.error().module());
        assertTrue(r.error().message().contains("pickle"), r.error().message());
        assertEquals("e2e4db75-6cfa-48c2-9c91-a86ba93727f9", r.taskId(), "still reported under its id");
    }

    @Test
    void refusesProtocolOneNamingTheFix() throws Exception {
        ObjectNode env = envelope();
        env.remove("headers");
        env.put("body", b64("{\"task\": \"add\", \"id\": \"x\", \"args\": [2, 3], \"kwargs\": {}}"));
        DecodedTask.Refuse r = refuse(env);
        assertEquals("InvalidTaskError", r.error().type());
        assertTrue(r.error().message().contains("task_protocol = 2"), r.error().message());
        assertEquals("e2e4db75-6cfa-48c2-9c91-a86ba93727f9", r.taskId(), "the correlation id");
    }

    @Test
    void refusesMalformedBodies() throws Exception {
        for (String body : List.of("[[2, 3], {}", "{\"args\": []}", "[[2, 3], [], {}]", "[1, {}, {}]", "[[1], {}, {}] trailing")) {
            ObjectNode env = envelope();
            env.put("body", b64(body));
            DecodedTask.Refuse r = refuse(env);
            assertEquals("InvalidTaskError", r.error().type(), body);
            assertTrue(r.error().message().contains("add[e2e4db75"), r.error().message());
        }
        ObjectNode env = envelope();
        env.put("body", "%%% not base64");
        assertTrue(refuse(env).error().message().contains("base64"));
    }

    @Test
    void refusesOversizedBodiesBeforeParsing() throws Exception {
        ObjectNode env = envelope();
        env.put("body", b64("[[\"" + "x".repeat(2 << 20) + "\"], {}, {}]"));
        DecodedTask.Refuse r = refuse(env);
        assertTrue(r.error().message().contains("max.message.bytes"), r.error().message());
    }

    @Test
    void readsChainsCallbacksAndChordBodiesAndRefusesMalformedCanvases() throws Exception {
        ObjectNode env = envelope();
        env.put("body", b64("[[2, 3], {}, {\"callbacks\": [{\"task\": \"echo\", \"args\": [1], \"kwargs\": {}, \"options\": {}, "
                + "\"subtask_type\": null, \"immutable\": false}], \"errbacks\": null, \"chain\": [{\"task\": \"add\", "
                + "\"args\": [10], \"kwargs\": {}, \"options\": {\"task_id\": \"next\"}, \"subtask_type\": null, \"immutable\": false}], "
                + "\"chord\": null}]"));
        Canvas canvas = ((DecodedTask.Run) decoder.decode(KombuMessage.parse(env.toString()))).canvas();
        assertEquals("echo", canvas.callbacks().get(0).name());
        assertEquals("next", canvas.chain().get(0).taskId());
        env.put("body", b64("[[2, 3], {}, {\"chord\": {\"task\": \"xsum\", \"args\": [], \"options\": {\"task_id\": \"body\"}}}]"));
        ((ObjectNode) env.get("headers")).put("group", "g1").put("group_index", 3);
        DecodedTask.Run header = (DecodedTask.Run) decoder.decode(KombuMessage.parse(env.toString()));
        assertEquals("body", header.canvas().chord().taskId());
        assertEquals("g1", header.group());
        assertEquals("3", Chords.score(header));
        env.put("body", b64("[[2, 3], {}, {\"chord\": {\"task\": \"celery.chain\", \"subtask_type\": \"chain\"}}]"));
        assertTrue(refuse(env).error().message().contains("chord.tasks must be a list"), "a chain without tasks is refused with the reason");
        env.put("body", b64("[[2, 3], {}, {\"callbacks\": [{\"task\": \"x\", \"subtask_type\": \"nosuch\"}]}]"));
        assertTrue(refuse(env).error().message().contains("nosuch"));
        String deep = "{\"task\": \"add\"}";
        for (int i = 0; i < 40; i++) {
            deep = "{\"task\": \"celery.chain\", \"subtask_type\": \"chain\", \"kwargs\": {\"tasks\": [" + deep + "]}}";
        }
        env.put("body", b64("[[2, 3], {}, {\"callbacks\": [" + deep + "]}]"));
        assertTrue(refuse(env).error().message().contains("deeper than"), "a hostile nesting is refused, not a stack overflow");
    }

    @Test
    void refusesInconsistentLimitsAndBadDates() throws Exception {
        ObjectNode env = envelope();
        ((ObjectNode) env.get("headers")).putArray("timelimit").add(1).add(5);
        assertTrue(refuse(env).error().message().contains("softTimeLimit"));
        env = envelope();
        ((ObjectNode) env.get("headers")).put("eta", "tomorrow");
        assertTrue(refuse(env).error().message().contains("eta"));
    }

    @Test
    void readsNaiveAndOffsetDates() throws Exception {
        ObjectNode env = envelope();
        ((ObjectNode) env.get("headers")).put("eta", "2030-01-02T03:04:05.5");
        ((ObjectNode) env.get("headers")).put("expires", "2030-01-02T05:04:05+02:00");
        TaskRequest r = ((DecodedTask.Run) decoder.decode(KombuMessage.parse(env.toString()))).request();
        assertEquals(Instant.parse("2030-01-02T03:04:05.5Z"), r.eta());
        assertEquals(Instant.parse("2030-01-02T03:04:05Z"), r.expires());
    }

    @Test
    void inflatesZlibBodies() throws Exception {
        byte[] json = "[[4, 5], {}, {}]".getBytes(StandardCharsets.UTF_8);
        java.util.zip.Deflater d = new java.util.zip.Deflater();
        d.setInput(json);
        d.finish();
        byte[] buf = new byte[256];
        int n = d.deflate(buf);
        ObjectNode env = envelope();
        env.put("body", Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf, n)));
        ((ObjectNode) env.get("headers")).put("compression", "application/x-gzip");
        assertEquals(List.of(4, 5), ((DecodedTask.Run) decoder.decode(KombuMessage.parse(env.toString()))).request().args());
    }

    @Test
    void envelopeThatIsNotAnObjectIsRefusedWithItsText() {
        MessageFormatException e = org.junit.jupiter.api.Assertions.assertThrows(MessageFormatException.class,
                () -> KombuMessage.parse("[1, 2]"));
        assertTrue(e.getMessage().contains("[1, 2]"));
    }

    @Test
    void redeliveredCopyIsMarked() throws Exception {
        KombuMessage again = KombuMessage.parse(KombuMessage.parse(FROM_PYTHON).asRedelivered());
        assertTrue(again.redelivered());
        assertEquals(1, again.restores());
        assertEquals(2, KombuMessage.parse(again.asRedelivered()).restores(), "each restore is counted");
        assertEquals(true, ((DecodedTask.Run) decoder.decode(again)).request().headers().get("redelivered"));
    }

    private DecodedTask.Refuse refuse(ObjectNode env) throws MessageFormatException {
        return assertInstanceOf(DecodedTask.Refuse.class, decoder.decode(KombuMessage.parse(env.toString())));
    }

    private static ObjectNode envelope() throws Exception {
        return (ObjectNode) Json.MAPPER.readTree(FROM_PYTHON);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
