package org.celeriac.benchmarks;

import java.util.List;
import java.util.Locale;

/**
 * Repeated measurements of one figure: its median and range. These machines are noisy (figures swing by up to
 * 2x between runs), so a headline figure is the median of several interleaved runs, shown with its spread.
 */
record Spread(double median, double min, double max, int runs) {

    static Spread of(List<Double> samples) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = s.length;
        double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new Spread(median, s[0], s[n - 1], n);
    }

    /** {@code 12.4k (11.9k–13.0k)}, or the lone figure after a single run. */
    String format() {
        return runs == 1 ? compact(median) : compact(median) + " (" + compact(min) + "–" + compact(max) + ")";
    }

    static String compact(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (v >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", v);
    }
}
