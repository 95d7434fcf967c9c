/** The HTTP surface: the dashboard and its API, the event stream, /metrics and the health probes. */
package org.celeriac.http.web;
