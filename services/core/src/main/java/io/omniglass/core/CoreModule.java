package io.omniglass.core;

import io.javalin.Javalin;
import io.omniglass.core.tenancy.Tenant;

/**
 * A feature of the core (sink, CDC, rules, ...). The core starts each module once, hands it every
 * active tenant (at start and when one is provisioned, on any instance), and closes it on stop.
 */
public interface CoreModule extends AutoCloseable {

    String name();

    /** Called once, before any tenant is handed over and before HTTP starts. */
    default void start(CoreContext ctx) throws Exception {
    }

    /** Routes this module adds to the HTTP API (called before HTTP starts). */
    default void routes(Javalin app, CoreContext ctx) {
    }

    /** A tenant is active (at start, or newly provisioned): begin this module's work for it. */
    default void tenantActive(CoreContext ctx, Tenant tenant) throws Exception {
    }

    @Override
    default void close() throws Exception {
    }
}
