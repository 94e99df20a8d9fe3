package io.omniglass.core.gateway;

import io.javalin.Javalin;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.http.GatewayRoutes;

/** Starts the gateway of a core, adds the gateway's HTTP endpoints, flushes its telemetry on stop. */
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
    public void routes(Javalin app, CoreContext ctx) {
        GatewayRoutes.register(app, Gateway.forCore(ctx));
    }

    @Override
    public void close() {
        if (ctx != null) {
            Gateway.release(ctx);
        }
    }
}
