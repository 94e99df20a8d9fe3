package io.omniglass.core.rules;

import io.omniglass.core.alarms.AlarmTransitions;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The scheduled no-data check's statements: the first check of a silent owner raises its alarm
 * (origin scheduled, the silent series as its trigger); the checks after it, while the silence goes
 * on, find nothing to do in one statement for the rule. An owner heard from recently is left alone.
 */
class NoDataRoundTripsTest {

    static final String PLANT = """
            name: nodata-test
            locations: [{name: site}]
            components:
              - {name: pump-1, type: pump, location: site}
              - {name: pump-2, type: pump, location: site}
            datapoint_types:
              - {name: temperature, kind: metric, unit: degC}
            rules:
              event_rules:
                - {name: pump-silent, selector: "component:pump-*", key: temperature,
                   condition: {type: no_data, seconds: 60}, severity: error, message: "{owner} silent"}
            """;

    @Test
    void aSilenceGoingOnCostsOneStatementACheck() throws Exception {
        try (TestCore core = TestCore.start(List.of(new GatewayModule()))) {
            Tenant t = core.createTenant("nodatatrips");
            DataSource db = core.core().context().tenantDataSource(t);
            new PlantImporter(db).importPlant(PlantDescription.parseTree(PLANT), "test", "nodatatrips");
            AtomicInteger statements = new AtomicInteger();
            DSLContext dsl = DSL.using(CountedStatements.counting(db, statements), SQLDialect.POSTGRES);
            long silentSeries = heard(dsl, db, "component:pump-1", Instant.now().minusSeconds(600));
            heard(dsl, db, "component:pump-2", Instant.now());
            List<EventRuleDef> rules = EventRuleStore.enabled(dsl);

            List<AlarmTransitions.Transition> first = NoDataCheck.run(dsl, rules);
            assertThat(first).extracting(AlarmTransitions.Transition::name).containsExactly("alarm.raised");
            statements.set(0);
            assertThat(NoDataCheck.run(dsl, rules)).isEmpty();
            assertThat(NoDataCheck.run(dsl, rules)).isEmpty();
            int goingOn = statements.get();

            // main took 6 a check: the silent owners, the series, and the state row, its lock, the rule and the alarm
            assertThat(goingOn).as("statements of two checks").isEqualTo(2);
            assertThat(RulesFixture.text(db, "SELECT a.owner || ' ' || a.state || ' ' || e.origin || ' ' || (e.trigger_series_id = ?)"
                    + " FROM alarm a JOIN event e ON e.id = a.raise_event_id", silentSeries))
                    .isEqualTo("component:pump-1 active scheduled true");
            assertThat(RulesFixture.count(db, "SELECT count(*) FROM event WHERE name = 'alarm.raised'")).isEqualTo(1);
        }
    }

    /** The owner's temperature series with its newest datapoint at {@code ts}, as the sink leaves it. */
    private static long heard(DSLContext dsl, DataSource db, String owner, Instant ts) {
        long series = dsl.transactionResult(cfg -> SeriesIds.resolve(cfg.dsl(), owner, "temperature", "", "observed", "test")).orElseThrow();
        RulesFixture.count(db, "WITH i AS (INSERT INTO series_latest (series_id, ts, value_num) VALUES (?, ?::timestamptz, 20)"
                + " ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value_num = excluded.value_num"
                + " RETURNING 1) SELECT count(*) FROM i", series, ts.toString());
        return series;
    }
}
