package org.celeriac.worker.api;

import java.time.Duration;

/**
 * Celery's autoscaler settings ({@code --autoscale MAX,MIN}): the active pool grows toward {@code max} workers
 * while tasks wait, and shrinks toward {@code min} once they have not for {@code keepAlive}.
 *
 * @param max       the most workers; 0 = autoscaling off
 * @param min       the fewest workers (at least 1 when on)
 * @param keepAlive how long the pool stays grown after the last time it needed to be
 * @since 1.3
 */
public record Autoscale(int max, int min, Duration keepAlive) {
    /** Autoscaling off. */
    public static final Autoscale OFF = new Autoscale(0, 0, Duration.ofSeconds(30));

    public Autoscale {
        if (max < 0 || min < 0 || max > 0 && (min < 1 || min > max)) {
            throw new IllegalArgumentException("autoscale needs 1 <= min <= max (or max 0 for off), was max " + max + ", min " + min);
        }
        if (keepAlive == null || keepAlive.isNegative()) {
            throw new IllegalArgumentException("autoscale keep-alive must be >= 0, was " + keepAlive);
        }
    }

    public boolean on() {
        return max > 0;
    }

    /** {@code "MAX,MIN"} as Celery's {@code --autoscale} takes it (a single number is MAX with MIN 1... as Celery: MIN 0 → 1). */
    public static Autoscale parse(String value, Duration keepAlive) {
        if (value == null || value.isBlank()) {
            return new Autoscale(0, 0, keepAlive);
        }
        String[] parts = value.split(",");
        try {
            int max = Integer.parseInt(parts[0].trim());
            int min = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : 1;
            return new Autoscale(max, Math.max(1, min), keepAlive);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException("autoscale must be MAX,MIN (e.g. 10,3), was '" + value + "'");
        }
    }
}
