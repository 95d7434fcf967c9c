package org.celeriac.http.web;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.osgi.service.component.annotations.Component;

/** {@code GET /}: to the dashboard. */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=",
        "osgi.http.whiteboard.servlet.name=celeriac-root"})
public final class RootServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendRedirect("/ui/index.html");
    }
}
