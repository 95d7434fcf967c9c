package org.celeriac.launcher;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * {@code --http [HOST:]PORT}: where the dashboard, {@code /metrics} and the health probes listen. Loopback
 * (127.0.0.1) unless a host is given; an endpoint reachable from other machines must have an access token.
 *
 * @param host  the address to bind
 * @param port  the TCP port
 * @param token the access token (from {@code CELERIAC_HTTP_TOKEN}), or null
 */
record HttpEndpoint(String host, int port, String token) {
    static final String TOKEN_ENV = "CELERIAC_HTTP_TOKEN";

    /** Parses the option's value; the message of the exception says what is wrong. */
    static HttpEndpoint parse(String value, String token) {
        String v = value.strip();
        String host = "127.0.0.1";
        String port = v;
        int colon = v.lastIndexOf(':');
        if (colon >= 0) {
            host = v.substring(0, colon).replaceAll("^\\[|]$", "");
            port = v.substring(colon + 1);
        }
        if (host.isBlank() || !port.matches("\\d{1,5}") || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("--http must be [HOST:]PORT (e.g. 8080 or 0.0.0.0:8080), was '" + value + "'");
        }
        HttpEndpoint e = new HttpEndpoint(host, Integer.parseInt(port), token == null || token.isBlank() ? null : token);
        if (!e.loopback() && e.token == null) {
            throw new IllegalArgumentException("--http " + value + " would listen beyond this machine: set " + TOKEN_ENV
                    + " to the access token clients must send (Authorization: Bearer <token>), or bind to 127.0.0.1");
        }
        return e;
    }

    /** Whether only this machine can connect: localhost, 127.x, ::1 (a name other than localhost is not trusted). */
    boolean loopback() {
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-f:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The dashboard's address, for the banner. */
    String url() {
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/";
    }
}
