package org.celeriac.shell;

import java.util.List;
import java.util.Map;
import org.celeriac.pool.json.Json;

/**
 * Turns what a person typed for {@code celeriac:send} into a task's {@code args} and {@code kwargs}: exactly
 * the JSON typed, or an error that says how to quote it, never a silently changed value.
 *
 * <p>Each argument comes as two things: the value Gogo evaluated, and (when it can be recovered, see
 * {@link TypedArguments}) the text as typed. An unquoted {@code [..]} or {@code {..}} is read from its text,
 * because Gogo's list literals drop JSON's quotes and commas; so is a single-quoted one ({@code '["a", 1]'}),
 * which Gogo passes literally anyway. A double-quoted argument or a plain word is read from Gogo's string
 * (its {@code $variables} expanded). A Gogo list or map without its text is refused with the quoted form
 * to use instead.
 */
final class JsonArgs {
    private JsonArgs() {
    }

    /** The task's positional arguments: a JSON array. */
    static List<Object> args(Object value, String typed) {
        Object v = read(value, typed, "args", "'[\"hello\", \"world\"]'");
        if (v instanceof List<?> list) {
            @SuppressWarnings("unchecked")
            List<Object> args = (List<Object>) list;
            return args;
        }
        throw new IllegalArgumentException("args must be a JSON array such as '[2, 3]', got " + describe(v));
    }

    /** The task's keyword arguments: a JSON object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> kwargs(Object value, String typed) {
        Object v = read(value, typed, "kwargs", "'{\"x\": 1}'");
        if (v instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new IllegalArgumentException("kwargs must be a JSON object such as '{\"x\": 1}', got " + describe(v));
    }

    private static Object read(Object value, String typed, String what, String example) {
        if (typed != null && (typed.startsWith("[") || typed.startsWith("{"))) {
            return parse(typed, what, typed.contains("$")
                    ? " (Gogo variables are not expanded in unquoted JSON; build it in double quotes: \"[$x, 1]\")" : "");
        }
        if (typed != null && typed.length() >= 2 && typed.startsWith("'") && typed.endsWith("'")) {
            return parse(typed.substring(1, typed.length() - 1), what, ""); // Gogo's single quotes: literal text
        }
        if (value instanceof CharSequence text) {
            return parse(text.toString(), what, "");
        }
        throw new IllegalArgumentException(what + ": the shell read this argument as its own " + gogoKind(value)
                + ", which loses JSON's quotes and commas; quote the JSON in single quotes, e.g. "
                + "celeriac:send TASK " + example);
    }

    private static Object parse(String text, String what, String hint) {
        try {
            return Json.read(text); // exactly one value: "[1] [2]" is refused, not cut at the first
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + text + " (" + firstLine(e.getMessage()) + ")" + hint);
        }
    }

    private static String gogoKind(Object value) {
        return value instanceof List<?> ? "list" : value instanceof Map<?, ?> ? "map"
                : value == null ? "null" : "value (" + value.getClass().getSimpleName() + ")";
    }

    /** Jackson's messages go on with the source location on further lines. */
    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }

    static String toJson(Object value) {
        try {
            return Json.write(value);
        } catch (IllegalArgumentException notJson) {
            return String.valueOf(value);
        }
    }

    private static String describe(Object value) {
        return value == null ? "null" : toJson(value);
    }
}
