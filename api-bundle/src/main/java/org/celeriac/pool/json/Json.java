package org.celeriac.pool.json;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON values: checking and freezing them, writing and reading them. Jackson's streaming core only: values
 * are plain, so no data binding is needed (ObjectMapper's first use costs ~220 ms of a fresh JVM's start,
 * the streaming factory ~50 ms; a prefork child starts with this).
 *
 * <p>Numbers: integers stay exact (an {@code Integer} or {@code Long}, a {@code BigInteger} beyond 64 bits); fractions are
 * {@code Double}. {@code NaN} and {@code Infinity} are read and written as the bare tokens Python's
 * {@code json} module uses (it sends them unless told not to), so a float argument survives the trip.
 */
public final class Json {
    /** Nesting deeper than this is refused: it is a malformed or hostile payload, not a task argument. */
    public static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .build();

    private Json() {
    }

    // ---- the value model ----------------------------------------------------------------------------------

    /**
     * An unmodifiable copy of {@code list}, checked to hold JSON values only.
     *
     * @param what names the value in the error ({@code args}); elements are named {@code args[0]}, ...
     * @throws IllegalArgumentException naming the first element that is not a JSON value, or too deep
     */
    public static List<Object> frozenList(List<?> list, String what) {
        try {
            return freezeList(list, 0);
        } catch (Misplaced m) {
            throw m.named(what);
        }
    }

    /** As {@link #frozenList}, for a JSON object: String keys, JSON values. */
    public static Map<String, Object> frozenMap(Map<?, ?> map, String what) {
        try {
            return freezeMap(map, 0);
        } catch (Misplaced m) {
            throw m.named(what);
        }
    }

    private static boolean isScalar(Object value) {
        return value == null || value instanceof String || value instanceof Boolean
                || value instanceof Integer || value instanceof Long || value instanceof Double
                || value instanceof Float || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger || value instanceof BigDecimal;
    }

    private static Object freeze(Object value, int depth) {
        if (isScalar(value)) {
            return value;
        }
        if (value instanceof List<?> list) {
            return freezeList(list, depth + 1);
        }
        if (value instanceof Map<?, ?> map) {
            return freezeMap(map, depth + 1);
        }
        throw notJson(value);
    }

    private static List<Object> freezeList(List<?> list, int depth) {
        checkDepth(depth);
        if (list.isEmpty()) {
            return List.of();
        }
        List<Object> copy = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            try {
                copy.add(freeze(list.get(i), depth));
            } catch (Misplaced m) {
                throw m.at(i);
            }
        }
        return Collections.unmodifiableList(copy);
    }

    private static Map<String, Object> freezeMap(Map<?, ?> map, int depth) {
        checkDepth(depth);
        if (map.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> copy = new LinkedHashMap<>(map.size() * 2);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = key(e.getKey()); // a bad key is the map's fault: it is named, not the key
            try {
                copy.put(key, freeze(e.getValue(), depth));
            } catch (Misplaced m) {
                throw m.at(e.getKey());
            }
        }
        return Collections.unmodifiableMap(copy);
    }

    private static String key(Object key) {
        if (key instanceof String s) {
            return s;
        }
        throw new Misplaced("has a non-String key " + key + "; JSON objects have String keys");
    }

    private static void checkDepth(int depth) {
        if (depth > MAX_DEPTH) {
            throw new Misplaced("is nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private static Misplaced notJson(Object value) {
        return new Misplaced("holds a " + value.getClass().getName()
                + "; only JSON values are allowed (null, Boolean, Number, String, List, Map<String, ?>)");
    }

    /**
     * What is wrong with a value and where in it: the path ({@code .k[1]}) is built while the recursion
     * unwinds, so that a valid value, every task's arguments, costs no path strings (building them for every
     * element was the largest cost of writing a task's frame). Internal: callers get the
     * IllegalArgumentException {@link #named} makes.
     */
    private static final class Misplaced extends RuntimeException {
        private final ArrayDeque<String> steps = new ArrayDeque<>();

        Misplaced(String problem) {
            super(problem, null, false, false); // no stack trace: it never leaves this class
        }

        /** Prepends the step from the enclosing value: an index or a key. */
        Misplaced at(Object step) {
            steps.addFirst(step instanceof Integer i ? "[" + i + "]" : "." + step);
            return this;
        }

        IllegalArgumentException named(String root) {
            return new IllegalArgumentException(root + String.join("", steps) + " " + getMessage());
        }
    }

    // ---- the codec ----------------------------------------------------------------------------------------

    /** @throws IllegalArgumentException the value is not a JSON value (see the value model) */
    public static String write(Object value) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            write(g, value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
        return out.toString();
    }

    /**
     * Writes {@code value} to {@code out} as UTF-8 JSON, for a caller that sends bytes (no String in between).
     *
     * @throws IllegalArgumentException the value is not a JSON value (see the value model); {@code out} then
     *         holds part of it
     */
    public static void writeTo(OutputStream out, Object value) {
        try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
            write(g, value);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    private static void write(JsonGenerator g, Object value) throws IOException {
        try {
            write(g, value, 0);
        } catch (Misplaced m) {
            throw m.named("value");
        }
    }

    private static void write(JsonGenerator g, Object v, int depth) throws IOException {
        checkDepth(depth);
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
                g.writeFieldName(key(e.getKey()));
                try {
                    write(g, e.getValue(), depth + 1);
                } catch (Misplaced bad) {
                    throw bad.at(e.getKey());
                }
            }
            g.writeEndObject();
        } else if (v instanceof Collection<?> c) {
            g.writeStartArray();
            int i = 0;
            for (Object o : c) {
                try {
                    write(g, o, depth + 1);
                } catch (Misplaced bad) {
                    throw bad.at(i);
                }
                i++;
            }
            g.writeEndArray();
        } else {
            throw notJson(v);
        }
    }

    /**
     * One JSON value, exactly: anything after it is an error, not ignored.
     *
     * @throws IllegalArgumentException not valid JSON, or nested too deep; the message says where
     */
    public static Object read(String json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            return readOne(p);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** As {@link #read(String)}, from UTF-8 bytes. */
    public static Object read(byte[] json) {
        try (JsonParser p = FACTORY.createParser(json)) {
            return readOne(p);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** A JSON object from UTF-8 bytes; {@code what} names it in the error. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readObject(byte[] json, String what) {
        Object value;
        try {
            value = read(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getMessage(), e);
        }
        if (value instanceof Map<?, ?> m) {
            return (Map<String, Object>) m;
        }
        throw new IllegalArgumentException(what + " is not a JSON object");
    }

    private static Object readOne(JsonParser p) throws IOException {
        if (p.nextToken() == null) {
            throw new IllegalArgumentException("no JSON value");
        }
        Object value = read(p, 0);
        if (p.nextToken() != null) {
            throw new IllegalArgumentException("trailing data after the JSON value at " + p.currentLocation().getColumnNr());
        }
        return value;
    }

    /** Reads the value whose first token is current. */
    private static Object read(JsonParser p, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("JSON is nested deeper than " + MAX_DEPTH + " levels");
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
                return p.getNumberValue(); // Integer, Long or BigInteger: exact
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
