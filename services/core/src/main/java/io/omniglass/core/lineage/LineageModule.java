package io.omniglass.core.lineage;

import io.javalin.Javalin;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;

/** Where a datapoint, alarm, event or action came from: the lineage graph endpoints. */
public final class LineageModule implements CoreModule {

    @Override
    public String name() {
        return "lineage";
    }

    @Override
    public void routes(Javalin app, CoreContext ctx) {
        LineageRoutes.register(app, ctx);
    }
}
