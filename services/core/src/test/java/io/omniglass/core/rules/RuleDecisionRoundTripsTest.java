package io.omniglass.core.rules;

import io.omniglass.core.alarms.AlarmTransitions;
import io.omniglass.core.gateway.GatewayModule;
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
 * The statements one live decision sends (each one a round trip in the decision's transaction):
 * a decision that changes no alarm, a raise, a clear and a raise again on the existing alarm row.
 * The alarm rows and events they leave are what a user sees.
 */
class RuleDecisionRoundTripsTest {

    @Test
    void aTransitionTakesFewStatementsAndLeavesTheAlarmAndItsEvents() throws Exception {
        try (TestCore core = TestCore.start(List.of(new GatewayModule()))) {
            Tenant t = core.createTenant("trips");
            DataSource db = core.core().context().tenantDataSource(t);
            RulesFixture.importPlant(db, "trips");
            AtomicInteger statements = new AtomicInteger();
            DSLContext dsl = DSL.using(CountedStatements.counting(db, statements), SQLDialect.POSTGRES);
            EventRuleDef rule = EventRuleStore.enabled(dsl).stream()
                    .filter(r -> r.name().equals("pump-temperature-high")).findFirst().orElseThrow();
            Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
            String owner = "component:pump-1";
            decide(dsl, rule, owner, t0, 70); // creates the state row
            decide(dsl, rule, owner, t0.plusSeconds(1), 95); // first raise: the series and the alarm row are created

            statements.set(0);
            assertThat(decide(dsl, rule, owner, t0.plusSeconds(2), 96)).isEmpty();
            int quiet = statements.getAndSet(0);
            assertThat(decide(dsl, rule, owner, t0.plusSeconds(3), 70)).extracting(AlarmTransitions.Transition::name)
                    .containsExactly("alarm.cleared");
            int clear = statements.getAndSet(0);
            assertThat(decide(dsl, rule, owner, t0.plusSeconds(4), 97)).extracting(AlarmTransitions.Transition::name)
                    .containsExactly("alarm.raised");
            int raiseAgain = statements.getAndSet(0);

            // lock state rows, their creation, live rules, alarms, the state write; a transition adds the
            // series lookup, the event and the alarm's update (main took 5, 10 and 10)
            assertThat(quiet).isLessThanOrEqualTo(5);
            assertThat(clear).isLessThanOrEqualTo(8);
            assertThat(raiseAgain).isLessThanOrEqualTo(8);

            assertThat(RulesFixture.text(db, "SELECT state::text || ' ' || (cleared_at IS NULL) || ' ' || acked FROM alarm WHERE owner = ?", owner))
                    .isEqualTo("active true false");
            assertThat(RulesFixture.count(db, "SELECT count(*) FROM event WHERE owner = ? AND name = 'alarm.raised'"
                    + " AND trigger_series_id IS NOT NULL AND trigger_ts = ?::timestamptz", owner, t0.plusSeconds(4).toString())).isEqualTo(1);
            assertThat(RulesFixture.count(db, "SELECT count(*) FROM event WHERE owner = ? AND name = 'alarm.cleared'"
                    + " AND payload->>'value' = '70.0'", owner)).isEqualTo(1);
            assertThat(RulesFixture.count(db, "SELECT count(*) FROM alarm a JOIN event e ON e.id = a.raise_event_id"
                    + " WHERE a.owner = ? AND a.last_event_id = e.id AND a.raised_at = ?::timestamptz", owner, t0.plusSeconds(4).toString()))
                    .isEqualTo(1);
            assertThat(RulesFixture.text(db, "SELECT last_ts::text || ' ' || last_value FROM event_rule_state WHERE owner = ?", owner))
                    .isEqualTo("2026-01-01 00:00:04+00 97");
        }
    }

    private static List<AlarmTransitions.Transition> decide(DSLContext dsl, EventRuleDef rule, String owner, Instant ts, double value) {
        Reading dp = new Reading("metric", owner, "temperature", "", ts, value, null, "observed", "test", null, null);
        return dsl.transactionResult(cfg -> AlarmTransitions.evaluateAll(cfg.dsl(),
                List.of(new AlarmTransitions.Work(rule, owner, List.of(dp)))));
    }
}
