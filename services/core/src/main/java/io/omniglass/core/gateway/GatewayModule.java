package io.omniglass.core.gateway;

import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;

/**
 * Starts the gateway of a core at once (rather than at its first use) and flushes its telemetry
 * when the modules stop; the core releases it on stop in any case. Its HTTP endpoints are
 * http.GatewayRoutes, which the HTTP API serves on every core.
 */
public final class GatewayModule implements CoreModule {

    private CoreContext ctx;

    @Override
    public String name() {
        return "gateway";
    }

    @Override
    public void start(CoreContext ctx) {
        this.ctx = ctx;
        Gateway.forCore(ctx);
    }

    @Override
    public void close() {
        if (ctx != null) {
            Gateway.release(ctx);
        }
    }
}
