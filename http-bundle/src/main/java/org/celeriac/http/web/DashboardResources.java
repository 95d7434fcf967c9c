package org.celeriac.http.web;

import org.osgi.service.component.annotations.Component;

/**
 * The dashboard's page, script and style sheet ({@code /web} in this bundle) served at {@code /ui/} by the
 * whiteboard itself: this service is only the registration.
 */
@Component(service = DashboardResources.class, property = {"osgi.http.whiteboard.resource.pattern=/ui/*",
        "osgi.http.whiteboard.resource.prefix=/web"})
public final class DashboardResources {
}
