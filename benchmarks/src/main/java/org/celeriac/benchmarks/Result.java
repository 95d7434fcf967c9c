package org.celeriac.benchmarks;

import java.util.Locale;

/**
 * One scenario's outcome: Celeriac's figure beside the raw JDK baseline measured in the same run, and the
 * target the issues set for their ratio.
 *
 * @param higherIsBetter whether a bigger figure is better (throughput) or worse (time, bytes)
 */
record Result(String scenario, String unit, double celeriac, double baseline, String baselineName,
              boolean higherIsBetter, String target) {

    /** Celeriac relative to the baseline: for throughput celeriac/baseline, for costs baseline/celeriac inverted. */
    double ratio() {
        return celeriac / baseline;
    }

    String row() {
        return String.format(Locale.ROOT, "| %-44s | %14s | %14s | %-28s | %6.2fx | %-16s |",
                scenario, fmt(celeriac) + " " + unit, fmt(baseline) + " " + unit, baselineName, ratio(), target);
    }

    String json() {
        return String.format(Locale.ROOT,
                "{\"scenario\":\"%s\",\"unit\":\"%s\",\"celeriac\":%.3f,\"baseline\":%.3f,\"baselineName\":\"%s\",\"ratio\":%.4f,\"target\":\"%s\"}",
                scenario, unit, celeriac, baseline, baselineName, ratio(), target);
    }

    static String header() {
        return "| scenario                                     |       celeriac |       raw JDK | raw JDK baseline             |  ratio | target           |\n"
             + "|----------------------------------------------|----------------|----------------|------------------------------|--------|------------------|";
    }

    private static String fmt(double v) {
        if (v >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", v / 1e6);
        }
        if (v >= 1e4) {
            return String.format(Locale.ROOT, "%.1fk", v / 1e3);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
