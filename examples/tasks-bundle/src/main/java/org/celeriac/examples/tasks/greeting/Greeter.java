package org.celeriac.examples.tasks.greeting;

/** A service the greeting tasks reference: what an ordinary OSGi task bundle depends on. */
public interface Greeter {
    String greet(String name);
}
