package org.celeriac.broker.celery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;

/** The JSON mapper of the Celery codec (package-private), and small helpers over Jackson trees. */
public final class Json {
    /**
     * Integers stay exact (a Python int beyond 64 bits becomes a BigInteger, not a rounded double); a body
     * with anything after its JSON value is malformed, not silently truncated.
     */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Json() {
    }

    /** The text of a textual node, {@code null} for a missing, null or non-text node. */
    static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : null;
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
