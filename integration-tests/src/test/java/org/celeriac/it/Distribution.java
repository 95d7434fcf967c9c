package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** The built distribution ({@code launcher/target/celeriac}), run as a user runs it: a JVM of its own. */
final class Distribution {
    private Distribution() {
    }

    /** The command line that runs the launcher with {@code args}, on the JDK running the tests. */
    static List<String> command(String... args) {
        Path dist = Paths.get(System.getProperty("celeriac.dist"));
        assertTrue(Files.isRegularFile(dist.resolve("lib/celeriac-launcher.jar")), "no distribution in " + dist);
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        if (Runtime.version().feature() >= 24) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("-Dceleriac.home=" + dist,
                "-Djava.util.logging.config.file=" + dist.resolve("conf/logging.properties"),
                "-cp", dist.resolve("lib") + "/*", "org.celeriac.launcher.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
