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
 * A task bundle built by the test, in two versions of its code: task {@code version} returns the version
 * string. Compiled with the JDK's compiler against the Celeriac API, with a hand-written DS descriptor, so a
 * test can update a bundle in place to new code, as FileInstall does when a jar in deploy/ is replaced.
 */
final class VersionedTaskBundle {
    static final String TASK = "version";

    private VersionedTaskBundle() {
    }

    /** Writes (or overwrites) {@code jar} with the bundle whose task returns {@code version}. */
    static void write(Path jar, String version, Path work) throws Exception {
        Path src = Files.createDirectories(work.resolve("src-" + version + "/itversioned"));
        Path classes = Files.createDirectories(work.resolve("classes-" + version));
        Files.writeString(src.resolve("VersionTask.java"), """
                package itversioned;
                public final class VersionTask implements org.celeriac.pool.api.Task {
                    @Override
                    public Object call(org.celeriac.pool.api.TaskContext ctx, java.util.List<Object> args,
                                       java.util.Map<String, Object> kwargs) {
                        return "%s";
                    }
                }
                """.formatted(version));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--release", "21", "-d", classes.toString(),
                "-cp", System.getProperty("java.class.path"), src.resolve("VersionTask.java").toString());
        assertTrue(rc == 0, "the versioned task compiles");
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "it.versioned");
        a.putValue("Bundle-Version", "1.0.0." + version);
        a.putValue("Import-Package", "org.celeriac.pool.api;version=\"[1.1,2)\"");
        a.putValue("Service-Component", "OSGI-INF/version.xml");
        Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(tmp), mf)) {
            add(out, "itversioned/VersionTask.class", Files.readAllBytes(classes.resolve("itversioned/VersionTask.class")));
            add(out, "OSGI-INF/version.xml", """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <scr:component xmlns:scr="http://www.osgi.org/xmlns/scr/v1.3.0" name="itversioned.VersionTask">
                      <implementation class="itversioned.VersionTask"/>
                      <service><provide interface="org.celeriac.pool.api.Task"/></service>
                      <property name="task.name" type="String" value="version"/>
                    </scr:component>
                    """.getBytes(StandardCharsets.UTF_8));
        }
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void add(JarOutputStream out, String name, byte[] bytes) throws Exception {
        out.putNextEntry(new JarEntry(name));
        out.write(bytes);
        out.closeEntry();
    }
}
