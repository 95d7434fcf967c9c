package org.celeriac.it;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;

/**
 * Runs commands through Gogo's {@code CommandProcessor}, exactly as the shell does. Reflection keeps the
 * test's class path free of Gogo's API, which lives only inside the framework.
 */
final class GogoSession implements AutoCloseable {
    private final Object session;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    GogoSession(BundleContext context) throws Exception {
        ServiceReference<?>[] refs = context.getAllServiceReferences("org.apache.felix.service.command.CommandProcessor", null);
        if (refs == null) {
            throw new AssertionError("no Gogo CommandProcessor service");
        }
        ServiceReference<?> ref = refs[0];
        Object processor = context.getService(ref);
        Method create = processor.getClass().getMethod("createSession",
                java.io.InputStream.class, java.io.OutputStream.class, java.io.OutputStream.class);
        session = create.invoke(processor, new ByteArrayInputStream(new byte[0]), new PrintStream(out), new PrintStream(out));
    }

    /** Executes one command line and returns what it printed plus its formatted result. */
    String execute(String command) throws Exception {
        Method execute = method("execute", CharSequence.class);
        Object result;
        try {
            result = execute.invoke(session, command);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : e;
        }
        String printed = out.toString();
        out.reset();
        return printed + (result == null ? "" : String.valueOf(result));
    }

    private Method method(String name, Class<?>... types) throws NoSuchMethodException {
        for (Class<?> c : session.getClass().getInterfaces()) {
            try {
                return c.getMethod(name, types);
            } catch (NoSuchMethodException e) {
                // try the next interface
            }
        }
        return session.getClass().getMethod(name, types);
    }

    @Override
    public void close() throws Exception {
        method("close").invoke(session);
    }
}
