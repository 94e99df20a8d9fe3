package io.omniglass.core.plant;

import io.javalin.Javalin;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;

import java.util.Map;

/**
 * {@code POST /api/v1/tenants/{t}/import}: load a plant description (admin; JSON or YAML body);
 * {@code GET /api/v1/tenants/{t}/entities/tree}: the plant tree ({@link PlantTreeRoutes}).
 */
public final class PlantModule implements CoreModule {

    @Override
    public String name() {
        return "plant";
    }

    @Override
    public void routes(Javalin app, CoreContext core) {
        app.post("/api/v1/tenants/{tenant}/import", ctx -> {
            GatewaySession s = Gateway.forCore(core).scoped(Auth.principal(ctx), ctx.pathParam("tenant"), Action.IMPORT_PLANT);
            Map<String, Object> counts;
            try {
                counts = PlantImporter.importPlant(s, PlantDescription.parseTree(ctx.body()));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            if (counts.get("retention_changed") instanceof Integer n && n > 0) {
                // committed: this instance's sink and rules follow at once (other instances by the CDC feed)
                core.acceptedWindows().retentionChanged(s.tenant().slug());
            }
            ctx.json(counts);
        });
        PlantTreeRoutes.register(app, core);
    }
}
