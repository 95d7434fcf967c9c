package org.celeriac.pool.prefork.protocol;

import java.util.Map;
import org.celeriac.pool.json.Json;

/**
 * Frame payloads: JSON objects in Celeriac's one JSON model ({@link Json}), with a payload that is not one
 * reported as the {@link ProtocolException} that costs the sending child its connection.
 */
public final class Payloads {
    private Payloads() {
    }

    /** @throws IllegalArgumentException the value is not a JSON value */
    public static String write(Object value) {
        return Json.write(value);
    }

    /** The payload of {@code frame} as a JSON object. */
    public static Map<String, Object> readObject(Frame frame) throws ProtocolException {
        return readObject(frame.payload(), "frame " + frame.type() + " payload");
    }

    /** {@code json} as a JSON object; {@code what} names it in the error. */
    public static Map<String, Object> readObject(byte[] json, String what) throws ProtocolException {
        try {
            return Json.readObject(json, what);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(e.getMessage());
        }
    }
}
