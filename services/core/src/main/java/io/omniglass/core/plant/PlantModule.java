package io.omniglass.core.plant;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.access.Principal;
import io.omniglass.core.access.Role;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.core.tenancy.Tenant;

import java.util.Map;

/** {@code POST /api/v1/tenants/{t}/import}: load a plant description (admin; JSON or YAML body). */
public final class PlantModule implements CoreModule {

    @Override
    public String name() {
        return "plant";
    }

    @Override
    public void routes(Javalin app, CoreContext core) {
        app.post("/api/v1/tenants/{tenant}/import", ctx -> {
            Principal p = Auth.require(ctx, Role.admin);
            String slug = ctx.pathParam("tenant");
            if (!p.canSeeTenant(slug)) {
                throw ApiException.notFound("no tenant '" + slug + "'");
            }
            Tenant t = core.tenant(slug).filter(Tenant::active)
                    .orElseThrow(() -> ApiException.notFound("no tenant '" + slug + "'"));
            Map<String, Object> counts;
            try {
                JsonNode tree = PlantDescription.parseTree(ctx.body());
                counts = new PlantImporter(core.tenantDataSource(t)).importPlant(tree, p.actor(), slug);
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest(e.getMessage());
            }
            ctx.json(counts);
        });
    }
}
