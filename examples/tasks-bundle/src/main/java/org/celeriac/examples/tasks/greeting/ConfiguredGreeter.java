package org.celeriac.examples.tasks.greeting;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The {@link Greeter}, configured by Config Admin PID {@code org.celeriac.examples.greeter}
 * ({@code greeting}, default "Hello"), e.g. from {@code deploy/org.celeriac.examples.greeter.cfg}.
 */
@Component(configurationPid = "org.celeriac.examples.greeter")
public final class ConfiguredGreeter implements Greeter {
    /** Component property type: DS maps the key {@code greeting}. */
    @interface Config {
        String greeting() default "Hello";
    }

    private final String greeting;
    private volatile boolean active;

    @Activate
    public ConfiguredGreeter(Config config) {
        this.greeting = config.greeting();
        this.active = true;
    }

    @Deactivate
    void deactivate() {
        active = false;
    }

    @Override
    public String greet(String name) {
        if (!active) {
            throw new IllegalStateException("the greeter was deactivated");
        }
        return greeting + ", " + name;
    }
}
