package org.celeriac.broker.celery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    /** Task arguments reach tasks as the same Java values as through Jackson's own conversion, type for type. */
    @Test
    void aTreeBecomesTheSameJavaValuesAsJacksonsConversion() throws Exception {
        JsonNode tree = Json.MAPPER.readTree("""
                [1, -2147483649, 123456789012345678901234567890, 1.5, 1e300, NaN, -Infinity, true, false, null,
                 "text \\u00e9", [], {}, [[1, [2, {"a": [3]}]]],
                 {"z": 1, "a": {"nested": [null, "x", 2.0]}, "": 0}]""");
        Object expected = Json.MAPPER.convertValue(tree, Object.class);
        Object actual = Json.toJava(tree);
        assertEquals(expected, actual);
        List<?> list = (List<?>) actual;
        assertInstanceOf(Integer.class, list.get(0));
        assertInstanceOf(Long.class, list.get(1));
        assertInstanceOf(BigInteger.class, list.get(2));
        assertInstanceOf(Double.class, list.get(3));
        assertEquals(List.of("z", "a", ""), List.copyOf(((Map<?, ?>) list.get(14)).keySet()), "key order kept");
        for (int i = 0; i < list.size(); i++) {
            Object e = ((List<?>) expected).get(i);
            assertEquals(e == null ? null : e.getClass(), list.get(i) == null ? null : list.get(i).getClass(), "element " + i);
        }
    }
}
