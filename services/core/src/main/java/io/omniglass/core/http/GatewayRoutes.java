package io.omniglass.core.http;

import io.javalin.Javalin;
import io.omniglass.core.gateway.Gateway;

/** The gateway-backed endpoints of CONTRACT.md's HTTP table. */
public final class GatewayRoutes {

    private GatewayRoutes() {
    }

    public static void register(Javalin app, Gateway gateway) {
    }
}
