package org.celeriac.pool.prefork.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for frame payloads, on Jackson's streaming core only. Payloads hold plain JSON values (null,
 * Boolean, Number, String, List, Map with String keys), so no data binding is needed, and leaving
 * jackson-databind out of the children saves about 170 ms of their start (measured: ObjectMapper's first
 * use costs ~220 ms in a fresh JVM, the streaming factory ~50 ms).
 */
public final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();
    /** Nesting deeper than this is refused, as {@code TaskRequest} refuses it. */
    private static final int MAX_DEPTH = 64;

    private Json() {
    }

    /** @throws IllegalArgumentException the value is not made of JSON types */
    public static String write(Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, value, 0);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, Object v, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("value nested deeper than " + MAX_DEPTH + " levels");
        }
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            g.writeNumber(((Number) v).doubleValue());
        } else if (v instanceof BigInteger bi) {
            g.writeNumber(bi);
        } else if (v instanceof BigDecimal bd) {
            g.writeNumber(bd);
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("a JSON object needs String keys, found " + e.getKey());
                }
                g.writeFieldName(key);
                write(g, e.getValue(), depth + 1);
            }
            g.writeEndObject();
        } else if (v instanceof Collection<?> c) {
            g.writeStartArray();
            for (Object o : c) {
                write(g, o, depth + 1);
            }
            g.writeEndArray();
        } else {
            throw new IllegalArgumentException("a " + v.getClass().getName() + " is not a JSON value");
        }
    }

    /** The payload of {@code frame} as a JSON object. */
    public static Map<String, Object> readObject(Frame frame) throws ProtocolException {
        return readObject(frame.payload(), "frame " + frame.type() + " payload");
    }

    /** {@code json} as a JSON object; {@code what} names it in the error. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(byte[] json, String what) throws ProtocolException {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ProtocolException(what + " is not a JSON object");
            }
            Map<String, Object> value = (Map<String, Object>) read(p, 0);
            if (p.nextToken() != null) {
                throw new ProtocolException(what + " has trailing data");
            }
            return value;
        } catch (IOException | IllegalArgumentException e) {
            throw new ProtocolException(what + " is not valid JSON: " + e.getMessage());
        }
    }

    /** Reads the value whose first token is current. */
    private static Object read(JsonParser p, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH + " levels");
        }
        JsonToken t = p.currentToken();
        switch (t) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    m.put(key, read(p, depth + 1));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(read(p, depth + 1));
                }
                return l;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberValue();
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getDoubleValue();
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> throw new IllegalArgumentException("unexpected JSON token " + t);
        }
    }
}
