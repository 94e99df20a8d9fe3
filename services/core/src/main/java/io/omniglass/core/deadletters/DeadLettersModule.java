package io.omniglass.core.deadletters;

import io.javalin.Javalin;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;

/**
 * The dead letters of the data lane, for operators and scripts: browse what the sink refused,
 * re-drive it (as it is, or edited) once the cause is fixed, or discard it with a reason. The sink
 * writes them; this module only reads and removes them, so it holds no state and no thread.
 */
public final class DeadLettersModule implements CoreModule {

    @Override
    public String name() {
        return "dead-letters";
    }

    @Override
    public void routes(Javalin app, CoreContext ctx) {
        DeadLetterRoutes.register(app, ctx);
    }
}
