package io.omniglass.core.gateway;

import io.omniglass.core.tenancy.Tenant;
import io.omniglass.schema.tenant.Tables;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.OwnerKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.jooq.DSLContext;

import java.time.OffsetDateTime;
import java.util.List;

import static io.omniglass.schema.tenant.Tables.COMPONENT;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.LOCATION;
import static io.omniglass.schema.tenant.Tables.METRIC_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.NODE;
import static io.omniglass.schema.tenant.Tables.SERIES;
import static io.omniglass.schema.tenant.Tables.SOURCE_RULE;

/**
 * A small plant for scope tests:
 * <pre>
 *   location site-a ── location hall-1 ── system sys-1 ── component pump-1
 *        └─ node node-a
 *   location site-b ── system sys-2 ── system sys-2b ── component valve-3
 *        └─ component pump-2 (located at site-b, no system)
 *   global
 * </pre>
 * Every owner has one "pressure" series with one datapoint.
 */
public final class GatewayTestFixtures {

    public static final List<String> ALL_OWNERS = List.of("location:site-a", "location:hall-1", "location:site-b",
            "system:sys-1", "system:sys-2", "system:sys-2b", "component:pump-1", "component:pump-2",
            "component:valve-3", "node:node-a", "global");
    public static final List<String> SITE_A = List.of("location:site-a", "location:hall-1", "system:sys-1",
            "component:pump-1", "node:node-a");
    public static final List<String> SYS_2 = List.of("system:sys-2", "system:sys-2b", "component:valve-3");

    private GatewayTestFixtures() {
    }

    public static void loadScopeFixture(Gateway gateway, Tenant tenant) {
        gateway.system(tenant, Action.ADMIN).transaction(tx -> {
            tx.insertInto(LOCATION, LOCATION.NAME, LOCATION.PARENT)
                    .values("site-a", null).values("hall-1", "site-a").values("site-b", null).execute();
            var sys = Tables.SYSTEM;
            tx.insertInto(sys, sys.NAME, sys.LOCATION, sys.PARENT)
                    .values("sys-1", "hall-1", null).values("sys-2", "site-b", null).values("sys-2b", "site-b", "sys-2").execute();
            tx.insertInto(COMPONENT, COMPONENT.NAME, COMPONENT.SYSTEM, COMPONENT.LOCATION)
                    .values("pump-1", "sys-1", null).values("pump-2", null, "site-b").values("valve-3", "sys-2b", null).execute();
            tx.insertInto(NODE, NODE.NAME, NODE.LOCATION).values("node-a", "site-a").execute();
            int type = tx.insertInto(DATAPOINT_TYPE, DATAPOINT_TYPE.NAME, DATAPOINT_TYPE.KIND, DATAPOINT_TYPE.UNIT)
                    .values("fx_pressure", DatapointKind.metric, "bar").returning(DATAPOINT_TYPE.ID).fetchSingle().getId();
            int rule = tx.insertInto(SOURCE_RULE, SOURCE_RULE.NAME).values("fixture").returning(SOURCE_RULE.ID).fetchSingle().getId();
            OffsetDateTime now = OffsetDateTime.now();
            double v = 1;
            for (String owner : ALL_OWNERS) {
                long id = series(tx, owner, type);
                tx.insertInto(METRIC_DATAPOINT, METRIC_DATAPOINT.SERIES_ID, METRIC_DATAPOINT.TS, METRIC_DATAPOINT.VALUE,
                                METRIC_DATAPOINT.PROVENANCE, METRIC_DATAPOINT.SOURCE_RULE_ID)
                        .values(id, now, v++, Provenance.observed, rule).execute();
            }
            return null;
        });
    }

    static long series(DSLContext tx, String owner, int type) {
        String[] p = owner.split(":", 2);
        OwnerKind kind = OwnerKind.valueOf(p[0]);
        var insert = tx.insertInto(SERIES)
                .set(SERIES.OWNER_KIND, kind)
                .set(SERIES.DATAPOINT_TYPE_ID, type)
                .set(SERIES.KIND, DatapointKind.metric)
                .set(SERIES.PROVENANCE, Provenance.observed);
        switch (kind) {
            case component -> insert.set(SERIES.COMPONENT_ID, p[1]);
            case system -> insert.set(SERIES.SYSTEM_ID, p[1]);
            case location -> insert.set(SERIES.LOCATION_ID, p[1]);
            case node -> insert.set(SERIES.NODE_ID, p[1]);
            default -> { }
        }
        return insert.returning(SERIES.ID).fetchSingle().getId();
    }
}
