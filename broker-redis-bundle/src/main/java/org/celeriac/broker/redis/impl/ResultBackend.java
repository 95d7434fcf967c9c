package org.celeriac.broker.redis.impl;

import java.net.URI;
import java.util.Locale;

/**
 * Where results go ({@code result.backend}): nowhere, the broker's own Redis (atomic with the
 * acknowledgement: a result is stored exactly when its message is acknowledged), or another Redis or
 * database, as in Celery's {@code backend='redis://host:6379/1'}.
 *
 * @param enabled whether results are stored at all
 * @param uri     the separate backend, or {@code null} for the broker's Redis
 */
record ResultBackend(boolean enabled, URI uri) {

    boolean separate() {
        return uri != null;
    }

    /** Reads the setting; "true" is accepted for "broker" and "false"/"none" for "disabled". */
    static ResultBackend parse(String value, URI broker) {
        String v = value == null ? "" : value.trim();
        switch (v.toLowerCase(Locale.ROOT)) {
            case "", "broker", "true" -> {
                return new ResultBackend(true, null);
            }
            case "disabled", "none", "false" -> {
                return new ResultBackend(false, null);
            }
            default -> {
                URI uri = BrokerSettings.parseUrl(v, "result.backend (broker, disabled or a URL)");
                boolean same = uri.getHost().equals(broker.getHost()) && port(uri) == port(broker)
                        && BrokerSettings.database(uri) == BrokerSettings.database(broker);
                return new ResultBackend(true, same ? null : uri);
            }
        }
    }

    private static int port(URI uri) {
        return uri.getPort() < 0 ? 6379 : uri.getPort();
    }
}
