package org.celeriac.worker.shell;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns what the Gogo shell passes to {@code celeriac:send} into a task's {@code args} and {@code kwargs}.
 * Users type JSON ({@code '[2, 3]'}, {@code '{"x": 1}'}); Gogo may also hand over its own list or map
 * literals ({@code [2,3]} arrives as one element "2,3", {@code [2 3]} as "2" and "3"); those are rejoined
 * and read as a JSON array, or else element by element, each a JSON scalar where it reads as one.
 */
final class JsonArgs {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonArgs() {
    }

    static List<Object> args(Object value) {
        Object v = normalize(value, "args");
        if (v instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        throw new IllegalArgumentException("args must be a JSON array such as '[2, 3]', got " + describe(value));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> kwargs(Object value) {
        Object v = normalize(value, "kwargs");
        if (v instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IllegalArgumentException("kwargs must be a JSON object such as '{\"x\": 1}', got " + describe(value));
    }

    private static Object normalize(Object value, String what) {
        if (value instanceof CharSequence text) {
            try {
                return MAPPER.readValue(text.toString(), Object.class);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(what + " is not valid JSON: " + text + " (" + e.getOriginalMessage() + ")");
            }
        }
        if (value instanceof List<?> list && list.stream().allMatch(o -> o instanceof CharSequence)) {
            // Gogo reads [2,3] as one element "2,3" and [2 3] as "2", "3": rejoin and read them as JSON.
            String joined = "[" + String.join(",", list.stream().map(Object::toString).toList()) + "]";
            try {
                return MAPPER.readValue(joined, Object.class);
            } catch (JsonProcessingException e) {
                // not JSON as a whole (e.g. bare words): read element by element below
            }
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) {
                out.add(scalar(o));
            }
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(String.valueOf(k), scalar(v)));
            return out;
        }
        return value;
    }

    /** A Gogo list element: JSON if it reads as JSON, else the plain string. */
    private static Object scalar(Object o) {
        if (o instanceof CharSequence text) {
            try {
                return MAPPER.readValue(text.toString(), Object.class);
            } catch (JsonProcessingException e) {
                return text.toString();
            }
        }
        return normalize(o, "element");
    }

    static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            return String.valueOf(value);
        }
    }

    private static String describe(Object value) {
        return value == null ? "nothing" : value.getClass().getSimpleName() + " " + value;
    }
}
