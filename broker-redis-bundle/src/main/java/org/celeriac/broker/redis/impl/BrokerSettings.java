package org.celeriac.broker.redis.impl;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The broker's configuration, checked: every bad value fails activation with a message naming it and what
 * is allowed (the component then stays unsatisfied and SCR logs why). Immutable.
 */
record BrokerSettings(URI uri, int database, List<String> queues, String nodeName, int prefetchMultiplier,
                      double visibilitySeconds, Duration pollInterval, Duration shutdownGrace, long maxMessageBytes,
                      ResultBackend results, long resultExpiresSeconds, int maxRedeliveries, boolean taskEvents,
                      boolean trackStarted, boolean resultExtended) {

    static BrokerSettings of(RedisBrokerConfig c) {
        URI uri = parseUrl(c.url(), "url");
        if (c.prefetch_multiplier() < 1) {
            throw new IllegalArgumentException("prefetch.multiplier must be >= 1, was " + c.prefetch_multiplier());
        }
        if (c.max_message_bytes() < 1024) {
            throw new IllegalArgumentException("max.message.bytes must be >= 1024, was " + c.max_message_bytes());
        }
        if (c.result_expires() < 0) {
            throw new IllegalArgumentException("result.expires must be >= 0 (0 = forever), was " + c.result_expires());
        }
        if (c.max_redeliveries() < 1) {
            throw new IllegalArgumentException("max.redeliveries must be >= 1, was " + c.max_redeliveries());
        }
        return new BrokerSettings(uri, database(uri), parseQueues(c.queues()),
                c.hostname().isBlank() ? "celeriac@" + localHostName() : c.hostname().trim(), c.prefetch_multiplier(),
                seconds(c.visibility_timeout(), "visibility.timeout"),
                Duration.ofNanos((long) (seconds(c.poll_interval(), "poll.interval") * 1e9)),
                Duration.ofNanos((long) (seconds(c.shutdown_grace(), "shutdown.grace") * 1e9)),
                c.max_message_bytes(), ResultBackend.parse(c.result_backend(), uri), c.result_expires(),
                c.max_redeliveries(), c.task_events(), c.track_started(), c.result_extended());
    }

    /** The URL with any password masked, for logs and the shell. */
    String maskedUrl() {
        String userInfo = uri.getUserInfo();
        if (userInfo == null) {
            return uri.toString();
        }
        int colon = userInfo.indexOf(':');
        String masked = colon < 0 ? "***" : userInfo.substring(0, colon) + ":***";
        return uri.toString().replace(userInfo + "@", masked + "@");
    }

    /** Checks a {@code redis://} or {@code rediss://} URL; {@code what} names the setting in the error. */
    static URI parseUrl(String url, String what) {
        try {
            URI uri = new URI(url.trim());
            if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
                throw new IllegalArgumentException(what + " must be a redis:// or rediss:// URL, was '" + url + "'");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException(what + " has no host: '" + url + "'");
            }
            database(uri);
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(what + " is not a URL: '" + url + "' (" + e.getMessage() + ")");
        }
    }

    /** The database number, the URL's path ({@code redis://host/1}); 0 without one. */
    static int database(URI uri) {
        String path = uri.getPath();
        if (path == null || path.isEmpty() || path.equals("/")) {
            return 0;
        }
        try {
            return Integer.parseInt(path.substring(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the path of a redis:// url is the database number, was '" + path + "'");
        }
    }

    private static List<String> parseQueues(String[] configured) {
        List<String> queues = Arrays.stream(configured).flatMap(q -> Arrays.stream(q.split(",")))
                .map(String::trim).filter(q -> !q.isEmpty()).distinct().toList();
        if (queues.isEmpty()) {
            throw new IllegalArgumentException("queues must name at least one queue, was " + Arrays.toString(configured));
        }
        return queues;
    }

    private static double seconds(double v, String what) {
        if (!(v > 0)) {
            throw new IllegalArgumentException(what + " must be > 0 seconds, was " + v);
        }
        return v;
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            String env = System.getenv("HOSTNAME");
            return env != null ? env : "localhost";
        }
    }
}
