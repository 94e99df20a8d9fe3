package io.omniglass.core.http;

import io.javalin.http.Context;
import io.omniglass.api.TenantStats;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.schema.tenant.enums.AlarmState;
import org.jooq.impl.DSL;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.CURRENT_VALUE;
import static io.omniglass.schema.tenant.Tables.SERIES;

/**
 * {@code GET /api/v1/tenants/{t}/stats}: a tenant's counts within the token's scope, in one
 * transaction, so that a console need not page through a fleet to count it (the current-value
 * count walks the signal index; alarms come from the state index).
 */
public final class TenantStatsRoutes {

    private TenantStatsRoutes() {
    }

    static void stats(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_CURRENT_VALUES);
        ctx.json(s.read(tx -> {
            long signals = tx.fetchCount(CURRENT_VALUE, s.visibleOwnerText(CURRENT_VALUE.OWNER));
            long series = tx.fetchCount(SERIES, s.visible(OwnerColumns.SERIES_OWNER));
            var alarms = tx.select(DSL.count(), DSL.count().filterWhere(ALARM.ACKED.isFalse()))
                    .from(ALARM)
                    .where(ALARM.STATE.eq(AlarmState.active).and(s.visible(OwnerColumns.ALARM_OWNER)))
                    .fetchSingle();
            return new TenantStats(signals, series, alarms.value1(), alarms.value2());
        }));
    }
}
