package org.celeriac.launcher;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Strict about the pool named at start: once the shipped bundles and the deploy folder's initial scan are
 * installed (FileInstall scans it at start level 1, before the worker starts), a {@code --pool} that names
 * no installed pool is a typo, and the worker does not run on another pool in its place. (A pool chosen
 * later at run time may still come and go: the worker waits for it and fails over meanwhile.)
 */
final class PoolChoice {
    private PoolChoice() {
    }

    /** {@code null} if {@code wanted} is installed, else the message to stop with. */
    static String unknown(String wanted, Object installed) {
        List<String> names = installed instanceof Collection<?> c ? c.stream().map(String::valueOf).toList() : List.of();
        if (names.contains(wanted)) {
            return null;
        }
        String closest = names.stream().min(Comparator.comparingInt(n -> distance(n, wanted))).orElse(null);
        return "--pool '" + wanted + "' is not an installed pool; installed: " + String.join(", ", names)
                + (closest != null && distance(closest, wanted) <= Math.max(2, wanted.length() / 3) ? " (did you mean '" + closest + "'?)" : "");
    }

    /** Levenshtein distance: how many single-character edits turn one name into the other. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
