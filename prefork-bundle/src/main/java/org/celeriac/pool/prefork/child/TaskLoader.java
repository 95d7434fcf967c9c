package org.celeriac.pool.prefork.child;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.celeriac.pool.api.Task;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The child's slim stand-in for SCR: reads the Declarative Services descriptors ({@code Service-Component})
 * of the task bundles the worker runs, and instantiates every component that provides {@link Task}, under
 * the same {@code task.name}s. Starting a whole framework would cost about half a second per child; this
 * costs a few milliseconds, so children start fast enough to replace a lost one unnoticed.
 *
 * <p>Limits (documented in the README): a task component needs a public no-argument constructor (DS
 * references are not injected in a child); an {@code activate} method without parameters is called.
 */
final class TaskLoader {
    private static final String TASK = Task.class.getName();

    private TaskLoader() {
    }

    /** Task name → instance, for every Task component in {@code jars}. Problems go to {@code warnings}. */
    static Map<String, Task> load(List<Path> jars, List<String> warnings) {
        Map<String, Task> tasks = new LinkedHashMap<>();
        for (Path jar : jars) {
            if (java.nio.file.Files.isDirectory(jar)) {
                loadDirectory(jar, tasks, warnings);
                continue;
            }
            try (JarFile file = new JarFile(jar.toFile())) {
                String header = file.getManifest() == null ? null
                        : file.getManifest().getMainAttributes().getValue("Service-Component");
                if (header == null) {
                    continue;
                }
                for (String descriptor : header.split(",")) {
                    ZipEntry entry = file.getEntry(descriptor.trim());
                    if (entry == null) {
                        warnings.add(jar.getFileName() + ": missing descriptor " + descriptor.trim());
                        continue;
                    }
                    try (InputStream in = file.getInputStream(entry)) {
                        loadComponent(in, jar, tasks, warnings);
                    }
                }
            } catch (IOException e) {
                warnings.add(jar + ": " + e.getMessage());
            }
        }
        return tasks;
    }

    /** A bundle's classes directory (a build's target/classes) instead of its jar. */
    private static void loadDirectory(Path dir, Map<String, Task> tasks, List<String> warnings) {
        Path manifest = dir.resolve("META-INF/MANIFEST.MF");
        try (InputStream in = java.nio.file.Files.newInputStream(manifest)) {
            String header = new java.util.jar.Manifest(in).getMainAttributes().getValue("Service-Component");
            if (header == null) {
                return;
            }
            for (String descriptor : header.split(",")) {
                try (InputStream xml = java.nio.file.Files.newInputStream(dir.resolve(descriptor.trim()))) {
                    loadComponent(xml, dir, tasks, warnings);
                }
            }
        } catch (IOException e) {
            warnings.add(dir + ": " + e.getMessage());
        }
    }

    private static void loadComponent(InputStream in, Path jar, Map<String, Task> tasks, List<String> warnings) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setNamespaceAware(true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = f.newDocumentBuilder().parse(in);
            if (!provides(doc)) {
                return;
            }
            Element impl = (Element) doc.getElementsByTagName("implementation").item(0);
            String className = impl.getAttribute("class");
            List<String> names = taskNames(doc);
            if (names.isEmpty()) {
                warnings.add(jar.getFileName() + ": " + className + " has no task.name");
                return;
            }
            Class<?> type = Class.forName(className);
            Constructor<?> ctor = type.getConstructor();
            Task task = (Task) ctor.newInstance();
            String activate = doc.getDocumentElement().getAttribute("activate");
            if (!activate.isEmpty()) {
                Method m = type.getDeclaredMethod(activate);
                m.setAccessible(true);
                m.invoke(task);
            }
            for (String name : names) {
                tasks.put(name, task);
            }
        } catch (NoSuchMethodException e) {
            warnings.add(jar.getFileName() + ": a task component needs a public no-argument constructor in a child: " + e.getMessage());
        } catch (Exception e) {
            warnings.add(jar.getFileName() + ": " + e);
        }
    }

    private static boolean provides(Document doc) {
        NodeList provides = doc.getElementsByTagName("provide");
        for (int i = 0; i < provides.getLength(); i++) {
            if (TASK.equals(((Element) provides.item(i)).getAttribute("interface"))) {
                return true;
            }
        }
        return false;
    }

    /** {@code task.name} as {@code value="..."} or as element text, one value per line. */
    private static List<String> taskNames(Document doc) {
        List<String> names = new ArrayList<>();
        NodeList props = doc.getElementsByTagName("property");
        for (int i = 0; i < props.getLength(); i++) {
            Element p = (Element) props.item(i);
            if (!Task.NAME_PROPERTY.equals(p.getAttribute("name"))) {
                continue;
            }
            String text = p.hasAttribute("value") ? p.getAttribute("value") : p.getTextContent();
            for (String line : text.split("\n")) {
                if (!line.isBlank()) {
                    names.add(line.trim());
                }
            }
        }
        return names;
    }
}
