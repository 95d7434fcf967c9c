package org.celeriac.broker.celery;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON mapper of the Celery codec (package-private), and small helpers over Jackson trees. */
public final class Json {
    /**
     * Integers stay exact (a Python int beyond 64 bits becomes a BigInteger, not a rounded double); a body
     * with anything after its JSON value is malformed, not silently truncated. No limit on one string's
     * length: kombu's envelope holds the body as one base64 string (4/3 of the body), which passed Jackson's
     * default of 20 000 000 characters for a 15 MiB body, under the documented 16 MiB; the envelope could
     * not be read, no task id was known and the message vanished without a result. The whole message is in
     * memory anyway once Redis returned it; the size policy is {@code max.message.bytes}, checked on the
     * body, where the task id is known and a refusal can be reported.
     */
    static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            // Python's json sends NaN and Infinity as bare tokens (allow_nan=True is its default) and reads them
            // back the same way: a float argument or result survives the trip, as between two Celery workers.
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    /** The text of a textual node, {@code null} for a missing, null or non-text node. */
    static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
    }

    /**
     * The plain Java value of a JSON tree: maps (in order), lists, strings, booleans, {@code null} and numbers
     * exactly as Jackson reads them (Integer, Long, BigInteger, Double) — what {@code convertValue(node,
     * Object.class)} gives, without writing the tree to a token buffer and reading it back, which was a sixth
     * of the broker's dispatching thread per task.
     */
    static Object toJava(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    map.put(e.getKey(), toJava(e.getValue()));
                }
                yield map;
            }
            case ARRAY -> {
                List<Object> list = new ArrayList<>(node.size());
                for (JsonNode item : node) {
                    list.add(toJava(item));
                }
                yield list;
            }
            case STRING -> node.textValue();
            case NUMBER -> node.numberValue();
            case BOOLEAN -> node.booleanValue();
            case NULL, MISSING -> null;
            case BINARY, POJO -> MAPPER.convertValue(node, Object.class);
        };
    }

    @SuppressWarnings("unchecked")
    static List<Object> toJavaList(JsonNode array) {
        return (List<Object>) toJava(array);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> toJavaMap(JsonNode object) {
        return (Map<String, Object>) toJava(object);
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write JSON for " + value.getClass().getName(), e);
        }
    }

    /** At most 200 characters of {@code s}, for error messages about hostile or huge input. */
    public static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "… (" + s.length() + " chars)";
    }
}
