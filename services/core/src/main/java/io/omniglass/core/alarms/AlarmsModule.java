package io.omniglass.core.alarms;

import io.javalin.Javalin;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;

/**
 * The operators' side of alarms: list, ack, snooze, journal. Transitions are committed by the
 * rules through {@link AlarmTransitions}; a snooze's end is timed by the rules module.
 */
public final class AlarmsModule implements CoreModule {

    @Override
    public String name() {
        return "alarms";
    }

    @Override
    public void routes(Javalin app, CoreContext ctx) {
        AlarmJournalRoutes.register(app, ctx); // before /alarms/{id}, which would take "journal" for an id
        AlarmRoutes.register(app, ctx);
    }
}
