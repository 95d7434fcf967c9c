package org.celeriac.pool.prefork.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;

/** The one JSON mapper of the protocol: payloads are JSON objects, values are plain JSON types. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON value: " + e.getOriginalMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(Frame frame) throws ProtocolException {
        try {
            Object v = MAPPER.readValue(frame.payload(), Object.class);
            if (v instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
            throw new ProtocolException("frame " + frame.type() + " payload is not a JSON object");
        } catch (java.io.IOException e) {
            throw new ProtocolException("frame " + frame.type() + " payload is not valid JSON: " + e.getMessage());
        }
    }
}
