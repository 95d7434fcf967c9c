package org.celeriac.pool.spi;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Declares a pool once, on its class: its names and its flags. Declarative Services turns it into the
 * service properties of {@link org.celeriac.pool.api.PoolProperties} ({@code pool.name}, {@code pool.green},
 * {@code pool.signal.safe}: a DS component property type), and {@link AbstractPool} answers
 * {@code name()}, {@code isGreen()} and {@code signalSafe()} from the same annotation, so the properties
 * the worker selects by and what the pool says of itself cannot disagree.
 *
 * <pre>
 * &#64;Component(service = BasePool.class, scope = ServiceScope.PROTOTYPE, property = "service.ranking:Integer=20")
 * &#64;PoolService(name = "forkjoin")
 * public final class ForkJoinPoolService extends InProcessPool { ... }
 * </pre>
 *
 * @since 1.1
 */
@ComponentPropertyType
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface PoolService {
    /** DS prefixes every property of this type: {@code name} is {@code pool.name}. */
    String PREFIX_ = "pool.";

    /** {@code pool.name}: the primary name first, then aliases ({@code green}, {@code gevent}, ...). */
    String[] name();

    /** {@code pool.green}: tasks run on cheap cooperative workers (Celery's {@code is_green}). */
    boolean green() default false;

    /** {@code pool.signal.safe}: the pool may be driven from a signal handler (Celery's {@code signal_safe}). */
    boolean signal_safe() default false;
}
