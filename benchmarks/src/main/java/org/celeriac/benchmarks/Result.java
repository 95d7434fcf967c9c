package org.celeriac.benchmarks;

import java.util.Locale;

/**
 * One scenario's outcome: Celeriac's figure beside the raw JDK baseline measured in the same run, and the
 * target the issues set for their ratio.
 *
 * @param higherIsBetter whether a bigger figure is better (throughput) or worse (time, bytes)
 */
record Result(String scenario, String unit, double celeriac, double baseline, String baselineName,
              boolean higherIsBetter, String target, String celeriacRange, String baselineRange) {

    Result(String scenario, String unit, double celeriac, double baseline, String baselineName, boolean higherIsBetter,
           String target) {
        this(scenario, unit, celeriac, baseline, baselineName, higherIsBetter, target, "", "");
    }

    /** Medians of paired rounds (rates: {@code n} per run), each shown with its range. */
    static Result ofRates(String scenario, int n, Measure.Paired times, String baselineName, String target) {
        Spread c = times.celeriac();
        Spread b = times.baseline();
        return new Result(scenario, "tasks/s", n * 1e9 / c.median(), n * 1e9 / b.median(), baselineName, true,
                target + " (median of " + c.runs() + ")", range(n * 1e9 / c.max(), n * 1e9 / c.min()),
                range(n * 1e9 / b.max(), n * 1e9 / b.min()));
    }

    /** Medians of paired rounds of a cost (time, bytes), scaled by {@code scale} into {@code unit}, with ranges. */
    static Result ofSpreads(String scenario, String unit, double scale, Spread celeriac, Spread baseline,
                            String baselineName, String target) {
        return new Result(scenario, unit, celeriac.median() * scale, baseline.median() * scale, baselineName, false,
                target, celeriac.runs() > 1 ? range(celeriac.min() * scale, celeriac.max() * scale) : "",
                baseline.runs() > 1 ? range(baseline.min() * scale, baseline.max() * scale) : "");
    }

    private static String range(double low, double high) {
        return fmt(low) + "–" + fmt(high);
    }

    /** Celeriac relative to the baseline: for throughput celeriac/baseline, for costs baseline/celeriac inverted. */
    double ratio() {
        return celeriac / baseline;
    }

    String row() {
        return String.format(Locale.ROOT, "| %-44s | %14s | %14s | %-28s | %6.2fx | %-16s |",
                scenario, fmt(celeriac) + " " + unit + cellRange(celeriacRange), fmt(baseline) + " " + unit + cellRange(baselineRange),
                baselineName, ratio(), target);
    }

    private static String cellRange(String range) {
        return range.isEmpty() ? "" : " (" + range + ")";
    }

    String json() {
        return String.format(Locale.ROOT,
                "{\"scenario\":\"%s\",\"unit\":\"%s\",\"celeriac\":%.3f,\"baseline\":%.3f,\"baselineName\":\"%s\",\"ratio\":%.4f,\"target\":\"%s\",\"celeriacRange\":\"%s\",\"baselineRange\":\"%s\"}",
                scenario, unit, celeriac, baseline, baselineName, ratio(), target, celeriacRange, baselineRange);
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
