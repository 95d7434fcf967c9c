package org.celeriac.pool.api;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks and freezes JSON-shaped values (null, Boolean, Number, String, List, Map with String keys): the
 * only values a task's arguments and results may hold, so that every pool, including the process-isolated
 * ones, can carry them as JSON. Never Java serialization.
 */
final class JsonValues {
    /** Nesting deeper than this is refused: it is a malformed or hostile payload, not a task argument. */
    static final int MAX_DEPTH = 64;

    private JsonValues() {
    }

    static List<Object> frozenList(List<?> list, String what) {
        return freezeList(list, what, 0);
    }

    static Map<String, Object> frozenMap(Map<?, ?> map, String what) {
        return freezeMap(map, what, 0);
    }

    private static Object freeze(Object value, String where, int depth) {
        if (value == null || value instanceof String || value instanceof Boolean
                || value instanceof Integer || value instanceof Long || value instanceof Double
                || value instanceof Float || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger || value instanceof BigDecimal) {
            return value;
        }
        if (value instanceof List<?> list) {
            return freezeList(list, where, depth + 1);
        }
        if (value instanceof Map<?, ?> map) {
            return freezeMap(map, where, depth + 1);
        }
        throw new IllegalArgumentException(where + " holds a " + value.getClass().getName()
                + "; only JSON values are allowed (null, Boolean, Number, String, List, Map<String, ?>)");
    }

    private static List<Object> freezeList(List<?> list, String where, int depth) {
        checkDepth(where, depth);
        if (list.isEmpty()) {
            return List.of();
        }
        List<Object> copy = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            copy.add(freeze(list.get(i), where + "[" + i + "]", depth));
        }
        return Collections.unmodifiableList(copy);
    }

    private static Map<String, Object> freezeMap(Map<?, ?> map, String where, int depth) {
        checkDepth(where, depth);
        if (map.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> copy = new LinkedHashMap<>(map.size() * 2);
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new IllegalArgumentException(where + " has a non-String key " + e.getKey()
                        + "; JSON objects have String keys");
            }
            copy.put(key, freeze(e.getValue(), where + "." + key, depth));
        }
        return Collections.unmodifiableMap(copy);
    }

    private static void checkDepth(String where, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException(where + " is nested deeper than " + MAX_DEPTH + " levels");
        }
    }
}
