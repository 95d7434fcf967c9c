/** What the worker does, counted: Prometheus metrics and the dashboard's recent history. */
package org.celeriac.http.metrics;
