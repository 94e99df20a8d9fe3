package io.omniglass.core.gateway;

import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;

/** Starts the gateway of a core and flushes its telemetry on stop; its HTTP endpoints are http.GatewayRoutes. */
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
