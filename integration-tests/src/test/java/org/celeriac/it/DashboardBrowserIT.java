package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: Debian's Chromium, headless, driven by playwright-core
 * ({@code integration-tests/browser/dashboard.mjs}) against the distribution running prefork with --http.
 * The page loads without console errors and shows the pools and the children; a SIGKILLed child leaves the
 * table and its replacement appears; a task sent from the form succeeds; grow, shrink and a running task's
 * terminate button work; "use threads" hot-swaps the pool, which the page shows and the worker's own probe
 * confirms. The screenshot lands in target/dashboard/.
 */
class DashboardBrowserIT {
    private static final Path BROWSER_TESTS = Paths.get(System.getProperty("celeriac.browser.tests"));

    @TempDir
    Path deploy;

    @Test
    void aPersonWatchesAndSteersTheWorkerInTheBrowser() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isDirectory(BROWSER_TESTS.resolve("node_modules/playwright-core")),
                "needs Debian's chromium and playwright-core in integration-tests/browser (.ci/run installs both): skipping the browser test");
        int port = HttpWorker.freePort();
        Path out = Paths.get("target", "dashboard").toAbsolutePath();
        Files.createDirectories(out);
        try (HttpWorker w = HttpWorker.start(port, Map.of(), "--no-shell", "--deploy-dir", deploy.toString(),
                "--pool", "prefork", "--concurrency", "2", "--http", Integer.toString(port))) {
            Process node = new ProcessBuilder("node", "dashboard.mjs", w.url("/"), out.toString()).directory(BROWSER_TESTS.toFile())
                    .redirectErrorStream(true).start();
            String said = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(node.waitFor(120, TimeUnit.SECONDS), "the browser run did not end");
            String last = said.strip().substring(said.strip().lastIndexOf('\n') + 1);
            assertEquals(0, node.exitValue(), "the browser run failed: " + said + "\nworker:\n" + w.output());
            JsonNode seen = HttpWorker.JSON.readTree(last).path("seen");
            assertEquals("threads", seen.path("activeAfterSwap").asText());
            assertTrue(seen.path("resized").asBoolean() && seen.hasNonNull("terminated"), seen.toString());
            String killed = seen.path("killed").asText();
            assertTrue(w.output().contains("(pid " + killed + ") was killed by signal 9 (SIGKILL)"), "the worker saw the child die:\n" + w.output());
            JsonNode ready = HttpWorker.json(w.get("/health/ready"));
            assertEquals("threads RUN", ready.path("pool").asText(), "the worker agrees with the page: " + ready);
            assertTrue(Files.size(out.resolve("dashboard.png")) > 10_000, "a screenshot was taken");
        }
    }
}
