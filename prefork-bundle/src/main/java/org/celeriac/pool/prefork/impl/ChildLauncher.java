package org.celeriac.pool.prefork.impl;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.celeriac.pool.prefork.child.ChildMain;
import org.celeriac.pool.prefork.protocol.Payloads;

/**
 * Starts child JVMs: the same JDK as the worker, a small heap, serial GC, exit on OutOfMemoryError, and a
 * class-data cache (JDK 25's AOT cache, or a dynamic AppCDS archive on 21–24) recorded once per class path
 * by a training run, the analog of Celery keeping its parent lean before forking. The secret travels in the
 * child's environment, which other users cannot read (unlike its command line).
 */
final class ChildLauncher {
    private static final System.Logger LOG = System.getLogger(ChildLauncher.class.getName());
    /**
     * Runs the training JVM ({@code $1} and the rest) with its output in a temporary file beside the cache
     * ({@code $0}) and a temporary folder of its own, then moves the output into place; in a shell, so that
     * this still happens when the worker has exited meanwhile, and nothing of it lands in the temp folder.
     */
    private static final String TRAINING_SCRIPT = """
            tmp="$0.tmp$$"; scratch="$0.scratch$$"; java="$1"; shift
            mkdir -p "$scratch" && "$java" -Djava.io.tmpdir="$scratch" -XX:%s="$tmp" "$@" && [ -f "$tmp" ] && mv -f "$tmp" "$0"
            code=$?; rm -rf "$tmp" "$tmp.config" "$scratch"; exit $code
            """;
    /** A training's files: its output, the JDK's training record, its temp folder; named after the training's shell. */
    private static final java.util.regex.Pattern TRAINING_FILE = java.util.regex.Pattern.compile(".*\\.(?:tmp|scratch)(\\d+)(?:\\.config)?");
    /** Caches kept: one per class path (a changed deploy folder makes a new one), the newest few. */
    private static final int KEPT_CACHES = 4;
    /** JDK 25's AOT cache; 21–24 have a dynamic AppCDS archive instead. */
    private static final boolean AOT_CACHE = Runtime.version().feature() >= 25;
    private final Supplier<ChildClasspath> classpath;
    private final PreforkOptions options;
    private final Path cacheDir;
    /**
     * The caches being recorded by this worker. Static, not per launcher: every prefork instance (a hot-swap, a
     * restart) has a launcher of its own, and two trainings of one cache at once cost the machine a second
     * ~1 s of CPU while children start, for the same file (seen in {@code PreforkBench}).
     */
    private static final Set<Path> TRAINING = ConcurrentHashMap.newKeySet();
    /** A training takes 1–2 s; one still running after this is stuck, and would stay in {@link #TRAINING}. */
    private static final Duration TRAINING_TIMEOUT = Duration.ofMinutes(5);

    ChildLauncher(Supplier<ChildClasspath> classpath, PreforkOptions options) {
        this.classpath = classpath;
        this.options = options;
        this.cacheDir = cacheDir();
    }

    private static Path cacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("celeriac").resolve("class-data");
    }

    /**
     * A child's start is mostly the JIT's: its framework, SCR and the JDK code they run reach the default
     * thresholds once or twice and are compiled about 1 400 times (C1 and C2), for code that runs only while
     * the child starts. Ten times the thresholds halves that and takes a third off the child's CPU time
     * (0.58 → 0.38 s, its start 0.34 → 0.28 s alone; two children and the worker share two cores, so the
     * worker is ready about 0.3 s sooner). A task's hot loop is still compiled by C2 within its first call; a
     * short task reaches the same steady speed after about two thousand calls instead of a few hundred.
     * {@code child.jvm.args} comes later on the command line, so {@code -XX:CompileThresholdScaling=1} there
     * restores the JDK's default.
     */
    private static final String COMPILE_THRESHOLD_SCALING = "-XX:CompileThresholdScaling=10";
    /**
     * The child's Felix uses {@code sun.misc.Unsafe}; JDK 24+ prints four lines of warnings per child (on the
     * worker's console, for every child it starts) unless that is allowed explicitly, as bin/celeriac does.
     */
    private static final List<String> UNSAFE_ALLOWED = Runtime.version().feature() >= 24
            ? List.of("--sun-misc-unsafe-memory-access=allow") : List.of();

    Process start(Child child, Path socket) throws IOException {
        ChildClasspath cp = classpath.get();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + options.childHeap());
        cmd.add("-Xms8m"); // start small: an idle child keeps about 15 MB less resident than with the default -Xms
        cmd.addAll(List.of("-XX:+UseSerialGC", "-XX:-UsePerfData", "-XX:+ExitOnOutOfMemoryError", "-Xss512k",
                "-XX:TieredStopAtLevel=" + (options.childC1Only() ? 1 : 4), COMPILE_THRESHOLD_SCALING));
        cmd.addAll(UNSAFE_ALLOWED);
        Path cache = cacheFile(cp);
        if (options.classDataCache() && cache != null) {
            if (Files.isRegularFile(cache)) {
                cmd.add(AOT_CACHE ? "-XX:AOTCache=" + cache : "-XX:SharedArchiveFile=" + cache);
                // A cache the JVM finds unusable (child.jvm.args that differ from the training's, say) is skipped
                // silently; otherwise every child start prints five [error][aot] lines on the worker's console.
                cmd.add(AOT_CACHE ? "-Xlog:aot=off" : "-Xlog:cds=off");
            } else {
                train(cp, cache);
            }
        }
        cmd.addAll(options.childJvmArgs());
        cmd.addAll(List.of("-cp", cp.classpath().stream().map(Path::toString).collect(Collectors.joining(":")),
                ChildMain.class.getName(), socket.toString(), Integer.toString(child.index)));
        cp.bundles().forEach(j -> cmd.add(j.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> env = pb.environment();
        env.put(ChildMain.SECRET_ENV, child.secret);
        env.put(ChildMain.MAX_FRAME_ENV, Integer.toString(options.maxFrameBytes()));
        env.put(ChildMain.SLOTS_ENV, child.slots.file().toString());
        if (options.reportRssEveryTask()) {
            env.put(ChildMain.REPORT_RSS_ENV, "1");
        }
        if (!cp.configurations().isEmpty()) {
            env.put(ChildMain.CONFIG_ENV, writeConfigurations(cp, socket.resolveSibling("child-configurations.json")).toString());
        }
        return pb.start();
    }

    /**
     * The worker's configurations for the child, in the hub's private directory, readable by this user only
     * (they may hold passwords); rewritten for every child, so a changed configuration reaches new children.
     */
    private static Path writeConfigurations(ChildClasspath cp, Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + "." + Thread.currentThread().threadId());
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Payloads.write(Map.of("configurations", cp.configurations())));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return file;
    }

    /**
     * The cache for this JDK and class path (jar names, sizes and times), or {@code null} if there can be
     * none: the JDK records class-data only for class paths made of jars (not directories, as in a build).
     */
    private Path cacheFile(ChildClasspath cp) {
        if (cp.classpath().stream().anyMatch(Files::isDirectory)) {
            return null;
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(System.getProperty("java.home").getBytes(StandardCharsets.UTF_8));
            sha.update(Runtime.version().toString().getBytes(StandardCharsets.UTF_8));
            for (Path p : cp.classpath()) {
                sha.update((p + ":" + Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis()).getBytes(StandardCharsets.UTF_8));
            }
            return cacheDir.resolve("child-" + HexFormat.of().formatHex(sha.digest(), 0, 12)
                    + (AOT_CACHE ? ".aot" : ".jsa"));
        } catch (IOException | NoSuchAlgorithmException e) {
            return null;
        }
    }

    /**
     * Records the cache in the background, one training per cache at a time in a worker: children started
     * meanwhile run without it. The training JVM runs under a shell that moves its output into place, so a
     * worker that stops before the training ends (a short run, a test) still leaves a usable cache, not a
     * temporary file; the files of trainings that were killed, and caches beyond the newest few, are removed
     * first.
     */
    private void train(ChildClasspath cp, Path cache) {
        if (!TRAINING.add(cache)) {
            return;
        }
        Thread.ofPlatform().daemon().name("celeriac-prefork-train").start(() -> {
            try {
                Files.createDirectories(cacheDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                removeStale();
                List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", TRAINING_SCRIPT.formatted(
                                AOT_CACHE ? "AOTCacheOutput" : "ArchiveClassesAtExit"),
                        cache.toString(), Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx" + options.childHeap(), "-XX:+UseSerialGC", "-XX:-UsePerfData"));
                cmd.addAll(UNSAFE_ALLOWED);
                cmd.addAll(List.of("-cp", cp.classpath().stream().map(Path::toString).collect(Collectors.joining(":")),
                        ChildMain.class.getName(), "--train"));
                cp.bundles().forEach(j -> cmd.add(j.toString()));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!p.waitFor(TRAINING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    LOG.log(Level.WARNING, "recording the prefork children's class-data cache took over " + TRAINING_TIMEOUT
                            + "; stopped it, children start without the cache");
                } else if (p.exitValue() == 0 && Files.isRegularFile(cache)) {
                    LOG.log(Level.INFO, "recorded the prefork children's class-data cache " + cache);
                } else {
                    LOG.log(Level.WARNING, "could not record a class-data cache for prefork children (exit " + p.exitValue() + ")");
                }
            } catch (IOException | InterruptedException e) {
                LOG.log(Level.WARNING, "could not record a class-data cache for prefork children: " + e);
            } finally {
                TRAINING.remove(cache);
            }
        });
    }

    /** Temporary files of trainings whose shell is gone (killed with the worker), and all but the newest caches. */
    private void removeStale() throws IOException {
        List<Path> caches = new ArrayList<>();
        try (var files = Files.list(cacheDir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("child-")).toList()) {
                java.util.regex.Matcher m = TRAINING_FILE.matcher(f.getFileName().toString());
                if (!m.matches()) {
                    caches.add(f);
                } else if (ProcessHandle.of(Long.parseLong(m.group(1))).isEmpty()) {
                    try (var tree = Files.walk(f)) {
                        for (Path p : tree.sorted(java.util.Comparator.reverseOrder()).toList()) {
                            Files.deleteIfExists(p);
                        }
                    }
                }
            }
        }
        caches.sort(java.util.Comparator.comparing((Path f) -> f.toFile().lastModified()).reversed());
        for (Path old : caches.subList(Math.min(KEPT_CACHES, caches.size()), caches.size())) {
            Files.deleteIfExists(old);
        }
    }
}
