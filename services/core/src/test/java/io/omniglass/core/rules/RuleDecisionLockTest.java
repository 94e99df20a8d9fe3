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
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A live decision is not held up by a transaction that references the alarm row through a foreign
 * key (a fingerprint or an action being stored takes the row FOR KEY SHARE): the decision reads
 * the alarm under its state row's lock and updates it only when it raises or clears.
 */
class RuleDecisionLockTest {

    @Test
    void aDecisionDoesNotWaitForATransactionReferencingTheAlarm() throws Exception {
        try (TestCore core = TestCore.start(List.of(new GatewayModule()))) {
            Tenant t = core.createTenant("locks");
            DataSource db = core.core().context().tenantDataSource(t);
            RulesFixture.importPlant(db, "locks");
            DSLContext dsl = DSL.using(db, SQLDialect.POSTGRES);
            EventRuleDef rule = EventRuleStore.enabled(dsl).stream()
                    .filter(r -> r.name().equals("pump-temperature-high")).findFirst().orElseThrow();
            Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
            String owner = "component:pump-1";
            decide(dsl, rule, owner, t0, 70);
            assertThat(decide(dsl, rule, owner, t0.plusSeconds(1), 95)).extracting(AlarmTransitions.Transition::name)
                    .containsExactly("alarm.raised");

            try (Connection referencing = db.getConnection()) {
                referencing.setAutoCommit(false);
                // the lock a foreign-key check takes on the referenced row, held until that transaction ends
                try (PreparedStatement ps = referencing.prepareStatement("SELECT id FROM alarm WHERE owner = ? FOR KEY SHARE")) {
                    ps.setString(1, owner);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                    }
                }
                List<AlarmTransitions.Transition> quiet = CompletableFuture
                        .supplyAsync(() -> decide(dsl, rule, owner, t0.plusSeconds(2), 96)).get(10, TimeUnit.SECONDS);
                assertThat(quiet).isEmpty();
                List<AlarmTransitions.Transition> cleared = CompletableFuture
                        .supplyAsync(() -> decide(dsl, rule, owner, t0.plusSeconds(3), 70)).get(10, TimeUnit.SECONDS);
                assertThat(cleared).extracting(AlarmTransitions.Transition::name).containsExactly("alarm.cleared");
                referencing.rollback();
            }
            assertThat(RulesFixture.text(db, "SELECT state::text FROM alarm WHERE owner = ?", owner)).isEqualTo("cleared");
            assertThat(RulesFixture.text(db, "SELECT last_ts::text || ' ' || last_value FROM event_rule_state WHERE owner = ?", owner))
                    .isEqualTo("2026-01-01 00:00:03+00 70");
        }
    }

    private static List<AlarmTransitions.Transition> decide(DSLContext dsl, EventRuleDef rule, String owner, Instant ts, double value) {
        Reading dp = new Reading("metric", owner, "temperature", "", ts, value, null, "observed", "test", null, null);
        return dsl.transactionResult(cfg -> AlarmTransitions.evaluateAll(cfg.dsl(),
                List.of(new AlarmTransitions.Work(rule, owner, List.of(dp)))));
    }
}
