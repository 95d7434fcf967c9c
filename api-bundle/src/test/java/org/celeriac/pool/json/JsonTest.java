package org.celeriac.pool.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void valuesGoThereAndBackExactly() {
        Object value = List.of("a", 1, 1L << 40, new BigInteger("123456789012345678901234567890"), 1.5, true,
                Map.of("k", List.of()), Double.NaN, Double.POSITIVE_INFINITY);
        String json = Json.write(value);
        assertEquals("[\"a\",1,1099511627776,123456789012345678901234567890,1.5,true,{\"k\":[]},NaN,Infinity]", json);
        assertEquals(value, Json.read(json));
    }

    @Test
    void exactlyOneValueIsRead() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Json.read("[1] [2]")).getMessage().contains("trailing"));
        assertThrows(IllegalArgumentException.class, () -> Json.read(""));
        assertThrows(IllegalArgumentException.class, () -> Json.read("[1,"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Json.readObject("[]".getBytes(), "hello"))
                .getMessage().contains("hello is not a JSON object"));
    }

    @Test
    void nestingIsBoundedTheSameWayForEveryUse() {
        String deep = "[".repeat(Json.MAX_DEPTH + 2) + "]".repeat(Json.MAX_DEPTH + 2);
        assertThrows(IllegalArgumentException.class, () -> Json.read(deep));
        List<Object> nested = new ArrayList<>();
        List<Object> inner = nested;
        for (int i = 0; i < Json.MAX_DEPTH + 2; i++) {
            List<Object> next = new ArrayList<>();
            inner.add(next);
            inner = next;
        }
        assertThrows(IllegalArgumentException.class, () -> Json.write(nested));
        String where = assertThrows(IllegalArgumentException.class, () -> Json.frozenList(nested, "args")).getMessage();
        assertTrue(where.startsWith("args" + "[0]".repeat(Json.MAX_DEPTH + 1) + " is nested deeper than 64 levels"), where);
    }

    @Test
    void bytesWrittenToAStreamAreTheUtf8OfTheText() {
        Map<String, Object> value = Map.of("name", "tâche ✓", "args", List.of(1, 2.5, Double.NaN, "x"), "n", BigInteger.TEN.pow(30));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write('#'); // what the caller wrote before is kept: a frame's header
        Json.writeTo(out, value);
        assertEquals("#" + Json.write(value), out.toString(StandardCharsets.UTF_8));
        assertEquals(value.get("name"), Json.readObject(Json.write(value).getBytes(StandardCharsets.UTF_8), "v").get("name"));
    }

    @Test
    void onlyJsonValuesAndTheErrorSaysWhere() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Json.frozenMap(Map.of("k", List.of(1, new Object())), "kwargs"));
        assertTrue(e.getMessage().startsWith("kwargs.k[1] holds a java.lang.Object"), e.getMessage());
        IllegalArgumentException key = assertThrows(IllegalArgumentException.class,
                () -> Json.frozenMap(Map.of("m", Map.of(1, 2)), "kwargs"));
        assertTrue(key.getMessage().startsWith("kwargs.m has a non-String key 1"), key.getMessage());
        IllegalArgumentException written = assertThrows(IllegalArgumentException.class,
                () -> Json.write(Map.of("a", List.of(List.of(), Thread.currentThread()))));
        assertTrue(written.getMessage().startsWith("value.a[1] holds a java.lang.Thread"), written.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, 2)));
        assertEquals("value holds a java.lang.Object; only JSON values are allowed (null, Boolean, Number, String, List,"
                + " Map<String, ?>)", assertThrows(IllegalArgumentException.class, () -> Json.write(new Object())).getMessage());
    }
}
