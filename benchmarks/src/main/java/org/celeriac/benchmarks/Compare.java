package org.celeriac.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bin/bench --compare SAVED}: this run's results ({@code benchmarks/results/*-full.json}) beside a
 * saved run's, scenario by scenario, so that a regression shows in one command. SAVED is a folder holding
 * such files, or a git revision whose committed results are read ({@code --compare main}, {@code HEAD~3}).
 *
 * <p>It compares ratios against the raw JDK baseline of the same run, not raw figures: a machine that is
 * busier today slows both sides, the ratio much less. A ratio that moved the wrong way by more than
 * {@value #TOLERANCE_PERCENT} % is flagged.
 */
public final class Compare {
    static final double TOLERANCE_PERCENT = 10;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> FILES = List.of("in-process-full.json", "prefork-full.json", "broker-full.json");

    private Compare() {
    }

    public static void main(String[] args) throws Exception {
        String saved = args[0];
        Path now = Path.of(args.length > 1 ? args[1] : "benchmarks/results");
        int regressions = 0;
        System.out.printf("%nThis run against %s (ratio = Celeriac / raw JDK in the same run)%n%n", saved);
        System.out.println("| scenario | saved | now | change of the ratio | |");
        System.out.println("|---|---|---|---|---|");
        for (String file : FILES) {
            Map<String, JsonNode> before = scenarios(read(saved, file));
            Map<String, JsonNode> after = scenarios(Files.exists(now.resolve(file)) ? Files.readString(now.resolve(file)) : null);
            for (var e : after.entrySet()) {
                JsonNode old = before.get(e.getKey());
                if (!e.getValue().has("ratio")) { // a figure as text (the prefork bench): side by side, no verdict
                    System.out.printf("| %s | %s | %s | | |%n", e.getKey(), old == null ? "–" : old.path("result").asText(),
                            e.getValue().path("result").asText());
                    continue;
                }
                double r1 = e.getValue().path("ratio").asDouble();
                if (old == null) {
                    System.out.printf(Locale.ROOT, "| %s | – | %.3fx | new | |%n", e.getKey(), r1);
                    continue;
                }
                double r0 = old.path("ratio").asDouble();
                boolean higherIsBetter = !costUnit(e.getValue().path("unit").asText());
                double change = (r1 / r0 - 1) * 100;
                boolean worse = higherIsBetter ? change < -TOLERANCE_PERCENT : change > TOLERANCE_PERCENT;
                regressions += worse ? 1 : 0;
                System.out.printf(Locale.ROOT, "| %s | %.3fx | %.3fx | %+.1f %% | %s |%n", e.getKey(), r0, r1, change, worse ? "REGRESSION" : "");
            }
        }
        System.out.println(regressions == 0 ? "\nno regression beyond " + (int) TOLERANCE_PERCENT + " %"
                : "\n" + regressions + " regression(s) beyond " + (int) TOLERANCE_PERCENT + " %");
    }

    /** Time, memory and the like: smaller is better. */
    private static boolean costUnit(String unit) {
        return List.of("µs", "us", "ms", "s", "ns", "MB", "GB", "bytes").contains(unit);
    }

    private static Map<String, JsonNode> scenarios(String json) throws IOException {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (json != null) {
            for (JsonNode r : JSON.readTree(json).path("results")) {
                out.put(r.path("scenario").asText(), r);
            }
        }
        return out;
    }

    /** The saved file: from a folder, or committed at a git revision; null if there is none. */
    private static String read(String saved, String file) throws IOException, InterruptedException {
        Path dir = Path.of(saved);
        if (Files.isDirectory(dir)) {
            return Files.exists(dir.resolve(file)) ? Files.readString(dir.resolve(file)) : null;
        }
        Process git = new ProcessBuilder("git", "show", saved + ":benchmarks/results/" + file).redirectErrorStream(false).start();
        String content = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        git.getErrorStream().readAllBytes();
        return git.waitFor() == 0 ? content : null;
    }
}
