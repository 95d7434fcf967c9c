/**
 * The one JSON value model of Celeriac: what a task's arguments, keyword arguments, headers and results
 * may hold (null, Boolean, Number, String, List, Map with String keys, nested at most
 * {@link org.celeriac.pool.json.Json#MAX_DEPTH} levels), checked when a request is built, and the codec
 * that carries such values between processes (the prefork frames, the shell's typed arguments). Never
 * Java serialization.
 */
@Export
@Version("1.0.0")
package org.celeriac.pool.json;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
