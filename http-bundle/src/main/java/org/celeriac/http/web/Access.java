package org.celeriac.http.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Who may read and who may change. The rules:
 * <ul>
 *   <li>A configured token ({@value #TOKEN_PROPERTY}, never logged) is required on every request but the
 *       health probes, as {@code Authorization: Bearer <token>} or {@code X-Celeriac-Token}.</li>
 *   <li>Without one the endpoint is on loopback (the launcher refuses any other address without a token),
 *       reads are open to local users, and the page asks {@code /api/session} for a token made at start; that
 *       answer is given only to a request whose {@code Host} is a loopback name, so a page of another site
 *       that has its name resolve to 127.0.0.1 (DNS rebinding) gets nothing.</li>
 *   <li>Every change is a POST carrying the token in a header: a form or image of another page cannot set
 *       one, and without CORS headers a script of another origin cannot send one (no CSRF). Its
 *       {@code Origin}, when sent, must be this server.</li>
 * </ul>
 */
@Component(service = Access.class)
public final class Access {
    /** Framework property holding the configured token (the launcher's {@code CELERIAC_HTTP_TOKEN}). */
    public static final String TOKEN_PROPERTY = "celeriac.http.token";
    static final String TOKEN_HEADER = "X-Celeriac-Token";

    private final byte[] token;
    private final boolean configured;

    @Activate
    public Access(BundleContext context) {
        this(context.getProperty(TOKEN_PROPERTY));
    }

    /** {@code configuredToken}: the operator's token, or null/blank for a loopback endpoint with a token of its own. */
    public Access(String configuredToken) {
        this.configured = configuredToken != null && !configuredToken.isBlank();
        String t = configured ? configuredToken.strip() : randomToken();
        this.token = t.getBytes(StandardCharsets.UTF_8);
    }

    private static String randomToken() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** What a request may do: {@code null} if allowed, else why not (the response is then 403). */
    private String denyRead(HttpServletRequest req) {
        if (configured && !carriesToken(req)) {
            return "this endpoint needs its access token (Authorization: Bearer <token>)";
        }
        if (!configured && !loopbackHost(req.getHeader("Host"))) {
            return "this endpoint answers to a loopback host name only (Host: " + req.getHeader("Host") + ")";
        }
        return null;
    }

    /** Answers 403 with the reason and returns {@code false} if {@code req} may not read; {@code true} if it may. */
    boolean readAllowed(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String denied = denyRead(req);
        if (denied != null) {
            Responses.error(resp, 403, denied);
        }
        return denied == null;
    }

    /** As {@link #denyRead}, for a change: always a POST with the token, from this server's own pages. */
    public String denyWrite(HttpServletRequest req) {
        String read = denyRead(req);
        if (read != null) {
            return read;
        }
        if (!"POST".equals(req.getMethod())) {
            return "changes are POST requests";
        }
        if (!carriesToken(req)) {
            return "a change needs the token in an " + TOKEN_HEADER + " header (the dashboard sends it)";
        }
        String origin = req.getHeader("Origin");
        if (origin != null && !sameOrigin(origin, req.getHeader("Host"))) {
            return "a change from another origin (" + origin + ") is refused";
        }
        return null;
    }

    /** The token for the dashboard, when it may have it: no token configured and a loopback Host. */
    public String sessionToken(HttpServletRequest req) {
        return !configured && loopbackHost(req.getHeader("Host")) ? new String(token, StandardCharsets.UTF_8) : null;
    }

    /** Whether the page must ask its user for the token. */
    public boolean tokenConfigured() {
        return configured;
    }

    private boolean carriesToken(HttpServletRequest req) {
        String given = req.getHeader(TOKEN_HEADER);
        String auth = req.getHeader("Authorization");
        if (given == null && auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            given = auth.substring(7).strip();
        }
        return given != null && MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean sameOrigin(String origin, String host) {
        try {
            URI o = URI.create(origin);
            String authority = o.getPort() < 0 ? o.getHost() : o.getHost() + ":" + o.getPort();
            return host != null && authority != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code localhost}, a 127.x address or {@code [::1]}, with any port. */
    static boolean loopbackHost(String hostHeader) {
        if (hostHeader == null) {
            return false;
        }
        String h = hostHeader.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            h = h.substring(1, Math.max(1, h.indexOf(']')));
        } else if (h.indexOf(':') >= 0) {
            h = h.substring(0, h.indexOf(':'));
        }
        if (h.equals("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9a-f:]+")) {
            return false; // a name: only "localhost" is known to be ours without asking DNS
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress(); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
