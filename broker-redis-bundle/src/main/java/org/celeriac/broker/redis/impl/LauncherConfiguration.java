package org.celeriac.broker.redis.impl;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Dictionary;
import java.util.Hashtable;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Turns the launcher's {@code --broker}, {@code --queues} and {@code --hostname}, {@code -E} and
 * {@code --track-started} (framework properties {@value #URL}, {@value #QUEUES}, {@value #HOSTNAME},
 * {@value #TASK_EVENTS}, {@value #TRACK_STARTED}) into the broker's Config Admin configuration, so the
 * command line and a deploy-folder {@code .cfg} file configure the same component the same way. The command
 * line's values win over a configuration already present. Without {@value #URL} it does nothing.
 */
@Component
public final class LauncherConfiguration {
    static final String URL = "celeriac.broker.url";
    static final String QUEUES = "celeriac.broker.queues";
    static final String HOSTNAME = "celeriac.broker.hostname";
    static final String TASK_EVENTS = "celeriac.broker.task.events";
    static final String TRACK_STARTED = "celeriac.broker.track.started";
    private static final Logger LOG = System.getLogger(LauncherConfiguration.class.getName());

    @Activate
    public LauncherConfiguration(@Reference ConfigurationAdmin configAdmin, BundleContext context) throws IOException {
        String url = context.getProperty(URL);
        if (url == null || url.isBlank()) {
            return;
        }
        Configuration config = configAdmin.getConfiguration(RedisBrokerConfig.PID, "?");
        Dictionary<String, Object> props = config.getProperties() == null ? new Hashtable<>() : config.getProperties();
        props.put("url", url.trim());
        copy(context, QUEUES, "queues", props);
        copy(context, HOSTNAME, "hostname", props);
        copy(context, TASK_EVENTS, "task.events", props);
        copy(context, TRACK_STARTED, "track.started", props);
        config.update(props);
        LOG.log(Level.DEBUG, "broker configuration from the command line: " + url);
    }

    private static void copy(BundleContext context, String property, String key, Dictionary<String, Object> props) {
        String value = context.getProperty(property);
        if (value != null && !value.isBlank()) {
            props.put(key, value.trim());
        }
    }
}
