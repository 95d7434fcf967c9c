package org.celeriac.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Task bundles built by the test: compiled with the JDK's compiler against the Celeriac API, with a
 * hand-written DS descriptor. One comes in two versions of its code (task {@code version} returns its
 * version), so a test can update a bundle in place to new code, as FileInstall does when a jar in deploy/
 * is replaced; another references a service only the worker's own process has.
 */
final class VersionedTaskBundle {
    static final String TASK = "version";

    private VersionedTaskBundle() {
    }

    /** Writes (or overwrites) {@code jar} with the bundle whose task returns {@code version}. */
    static void write(Path jar, String version, Path work) throws Exception {
        write(jar, "it.versioned", "1.0.0." + version, "itversioned.VersionTask", """
                package itversioned;
                public final class VersionTask implements org.celeriac.pool.api.Task {
                    @Override
                    public Object call(org.celeriac.pool.api.TaskContext ctx, java.util.List<Object> args,
                                       java.util.Map<String, Object> kwargs) {
                        return "%s";
                    }
                }
                """.formatted(version), TASK, "", "org.celeriac.pool.api;version=\"[1.1,2)\"", work);
    }

    /**
     * A task bundle whose task ({@code needs.worker}) references the worker's own {@code Worker} service,
     * which only the worker's process has: it runs on threads, and a prefork child cannot have it.
     */
    static void writeNeedingTheWorker(Path jar, Path work) throws Exception {
        write(jar, "it.needsworker", "1.0.0", "itneedsworker.PoolTask", """
                package itneedsworker;
                public final class PoolTask implements org.celeriac.pool.api.Task {
                    private org.celeriac.worker.api.Worker worker;
                    @Override
                    public Object call(org.celeriac.pool.api.TaskContext ctx, java.util.List<Object> args,
                                       java.util.Map<String, Object> kwargs) {
                        return worker.activePool().orElse("none");
                    }
                }
                """, "needs.worker", "<reference name=\"worker\" interface=\"org.celeriac.worker.api.Worker\" field=\"worker\"/>",
                "org.celeriac.pool.api;version=\"[1.1,2)\",org.celeriac.worker.api;version=\"[1.2,2)\"", work);
    }

    /**
     * A task bundle whose task ({@code lock.holder}) has a component that takes an exclusive lock on
     * {@code lockFile} when it activates (as an embedded database does on its files): the worker's process
     * activates it first and holds the lock, so in a child its activation fails.
     */
    static void writeHoldingALock(Path jar, Path lockFile, Path work) throws Exception {
        write(jar, "it.lockholder", "1.0.0", "itlockholder.LockingTask", """
                package itlockholder;
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public final class LockingTask implements org.celeriac.pool.api.Task {
                    private FileChannel channel;
                    public void activate() throws java.io.IOException {
                        channel = FileChannel.open(Path.of("%s"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        if (channel.tryLock() == null) {
                            channel.close();
                            throw new IllegalStateException("the lock file is held by another process");
                        }
                    }
                    public void deactivate() throws java.io.IOException {
                        channel.close();
                    }
                    @Override
                    public Object call(org.celeriac.pool.api.TaskContext ctx, java.util.List<Object> args,
                                       java.util.Map<String, Object> kwargs) {
                        return "locked";
                    }
                }
                """.formatted(lockFile), "lock.holder", " activate=\"activate\" deactivate=\"deactivate\"", "",
                "org.celeriac.pool.api;version=\"[1.1,2)\"", work);
    }

    private static void write(Path jar, String bsn, String version, String className, String source, String taskName,
                              String references, String imports, Path work) throws Exception {
        write(jar, bsn, version, className, source, taskName, "", references, imports, work);
    }

    /** {@code componentAttributes} go on the component element (such as its {@code activate} method). */
    private static void write(Path jar, String bsn, String version, String className, String source, String taskName,
                              String componentAttributes, String references, String imports, Path work) throws Exception {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        String pkg = className.substring(0, className.lastIndexOf('.'));
        Path src = Files.createDirectories(work.resolve("src-" + bsn + "-" + version).resolve(pkg.replace('.', '/')));
        Path classes = Files.createDirectories(work.resolve("classes-" + bsn + "-" + version));
        Files.writeString(src.resolve(simple + ".java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--release", "21", "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), src.resolve(simple + ".java").toString());
        assertTrue(rc == 0, "the test's task bundle compiles");
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", bsn);
        a.putValue("Bundle-Version", version);
        a.putValue("Import-Package", imports);
        a.putValue("Service-Component", "OSGI-INF/component.xml");
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(tmp), mf)) {
            String path = className.replace('.', '/') + ".class";
            add(out, path, Files.readAllBytes(classes.resolve(path)));
            add(out, "OSGI-INF/component.xml", ("""
                    <?xml version="1.0" encoding="UTF-8"?>
                    <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="%s"%s>
                      <implementation class="%s"/>
                      <service><provide interface="org.celeriac.pool.api.Task"/></service>
                      <property name="task.name" type="String" value="%s"/>
                      %s
                    </scr:component>
                    """).formatted(className, componentAttributes, className, taskName, references).getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void add(JarOutputStream out, String name, byte[] bytes) throws Exception {
        out.putNextEntry(new JarEntry(name));
        out.write(bytes);
        out.closeEntry();
    }
}
