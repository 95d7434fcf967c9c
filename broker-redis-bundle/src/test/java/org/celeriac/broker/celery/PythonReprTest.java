package org.celeriac.broker.celery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected strings are what CPython 3's repr() prints for the same values. */
class PythonReprTest {

    @Test
    void scalarsAsPythonPrintsThem() {
        assertEquals("None", PythonRepr.of(null));
        assertEquals("True", PythonRepr.of(true));
        assertEquals("42", PythonRepr.of(42));
        assertEquals("123456789012345678901234567890", PythonRepr.of(new BigInteger("123456789012345678901234567890")));
        assertEquals("'it\\'s \"q\"'", PythonRepr.of("it's \"q\""));
        assertEquals("\"it's\"", PythonRepr.of("it's"));
        assertEquals("'a\\nb\\\\'", PythonRepr.of("a\nb\\"));
    }

    @Test
    void floatsAsPythonPrintsThem() {
        assertEquals("1.5", PythonRepr.of(1.5));
        assertEquals("2.0", PythonRepr.of(2.0));
        assertEquals("0.1", PythonRepr.of(0.1));
        assertEquals("0.0001", PythonRepr.of(1e-4));
        assertEquals("1e-05", PythonRepr.of(1e-5));
        assertEquals("1234567.0", PythonRepr.of(1234567.0));
        assertEquals("1000000000000000.0", PythonRepr.of(1e15));
        assertEquals("1e+16", PythonRepr.of(1e16));
        assertEquals("-1.5e+300", PythonRepr.of(-1.5e300));
        assertEquals("nan", PythonRepr.of(Double.NaN));
        assertEquals("-inf", PythonRepr.of(Double.NEGATIVE_INFINITY));
        assertEquals("-0.0", PythonRepr.of(-0.0));
    }

    @Test
    void containersAsPythonPrintsThem() {
        Map<String, Object> kwargs = new LinkedHashMap<>();
        kwargs.put("k", Map.of("a", Arrays.asList(1, null)));
        kwargs.put("s", "x");
        assertEquals("{'k': {'a': [1, None]}, 's': 'x'}", PythonRepr.of(kwargs));
        assertEquals("[]", PythonRepr.of(List.of()));
        assertEquals("[2, 3]", PythonRepr.of(List.of(2, 3)));
    }
}
