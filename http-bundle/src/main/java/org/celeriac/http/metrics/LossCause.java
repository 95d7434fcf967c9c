package org.celeriac.http.metrics;

/**
 * A lost worker's cause as a metric label: a few fixed values, never the free-text description (whose
 * pids and sizes would make a new time series per loss).
 */
final class LossCause {
    private LossCause() {
    }

    /** {@code sigkill}, {@code signal}, {@code out-of-memory}, {@code exit}, {@code unresponsive} or {@code other}. */
    static String of(String description) {
        String d = description == null ? "" : description;
        if (d.contains("SIGKILL")) {
            return "sigkill";
        }
        if (d.contains("killed by signal")) {
            return "signal";
        }
        if (d.contains("out of memory")) {
            return "out-of-memory";
        }
        if (d.contains("exited with code")) {
            return "exit";
        }
        if (d.contains("did not send WORKER_UP") || d.contains("did not exit")) {
            return "unresponsive";
        }
        return "other";
    }
}
