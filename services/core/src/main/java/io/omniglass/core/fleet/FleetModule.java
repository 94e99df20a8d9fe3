package io.omniglass.core.fleet;

import io.javalin.Javalin;
import io.nats.client.Dispatcher;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.http.Auth;
import io.omniglass.core.tenancy.PostgresServers;
import io.omniglass.core.tenancy.Tenant;

/**
 * The fleet health board: {@code GET /api/v1/fleet/health}, per tenant the ingest rate, sink
 * backlog, dead letters of the last 24 h, CDC lag, newest datapoint and alarms, and the deployment.
 * It keeps no thread and polls nothing: it listens to alarm changes on the CDC feed and reads the
 * rest when asked ({@link FleetBoard}).
 */
public final class FleetModule implements CoreModule {

    static final String ALARM_CHANGES = "og.*.cdc.alarm";

    private final CdcModule cdc;
    private final AlarmCounts alarms = new AlarmCounts();
    private CoreContext ctx;
    private Dispatcher changes;
    private FleetBoard board;

    /** {@code cdc}: where the cores and each tenant's CDC leader are known (null: a core without CDC). */
    public FleetModule(CdcModule cdc) {
        this.cdc = cdc;
    }

    @Override
    public String name() {
        return "fleet";
    }

    @Override
    public void start(CoreContext ctx) {
        this.ctx = ctx;
        board = new FleetBoard(ctx, cdc, alarms, PostgresServers.of(ctx));
        changes = ctx.nats().createDispatcher(m -> {
            String[] parts = m.getSubject().split("\\.");
            if (parts.length > 1) {
                alarms.changed(parts[1]);
            }
        });
        changes.subscribe(ALARM_CHANGES); // no queue group: every core keeps its own counts
        changes.subscribe(CoreShares.SUBJECT, m -> CoreShares.answer(m, ctx.nats(), ctx.instanceId(), ctx.metrics()));
    }

    @Override
    public void tenantActive(CoreContext ctx, Tenant tenant) {
        alarms.changed(tenant.slug());
    }

    @Override
    public void routes(Javalin app, CoreContext ctx) {
        app.get("/api/v1/fleet/health", c -> c.json(board.build(Auth.principal(c))));
    }

    @Override
    public void close() {
        alarms.close();
        if (changes != null && ctx != null) {
            try {
                ctx.nats().closeDispatcher(changes);
            } catch (RuntimeException ignored) {
                // the connection is closing with the core
            }
        }
    }
}
