package io.omniglass.core.rules;

import io.omniglass.core.alarms.AlarmTransitions;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.WalRecords;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a live decision leaves in the WAL for its (rule, owner) state, which every logical slot of
 * the server decodes (docs/fleet.md, s12-walperdp): a quiet decision is one in-place update of
 * the state row, no row-lock record before it; a redelivered sample (not newer) writes nothing
 * for it. The decisions of one pair still queue behind each other.
 */
class RuleDecisionWalTest {

    private static final String OWNER = "component:pump-1";

    @Test
    void aQuietDecisionWritesOneRecordForItsStateAndARedeliveryNone() throws Exception {
        try (TestCore core = TestCore.start(List.of(new GatewayModule()))) {
            Tenant t = core.createTenant("walstate");
            DataSource db = core.core().context().tenantDataSource(t);
            RulesFixture.importPlant(db, "walstate");
            DSLContext dsl = DSL.using(db, SQLDialect.POSTGRES);
            EventRuleDef rule = rule(dsl);
            Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
            decide(dsl, rule, t0, 70); // the state row made

            WalRecords quiet = WalRecords.mark(db);
            assertThat(decide(dsl, rule, t0.plusSeconds(1), 71)).isEmpty();
            assertThat(quiet.since("event_rule_state")).containsExactly("Heap/HOT_UPDATE");

            WalRecords again = WalRecords.mark(db);
            assertThat(decide(dsl, rule, t0.plusSeconds(1), 71)).isEmpty();
            assertThat(again.since("event_rule_state")).isEmpty();
            assertThat(RulesFixture.text(db, "SELECT last_ts::text || ' ' || last_value FROM event_rule_state WHERE owner = ?", OWNER))
                    .isEqualTo("2026-01-01 00:00:01+00 71");
        }
    }

    @Test
    void twoDecisionsOfOnePairQueueAndTheSecondSeesTheFirst() throws Exception {
        try (TestCore core = TestCore.start(List.of(new GatewayModule()))) {
            Tenant t = core.createTenant("walqueue");
            DataSource db = core.core().context().tenantDataSource(t);
            RulesFixture.importPlant(db, "walqueue");
            DSLContext dsl = DSL.using(db, SQLDialect.POSTGRES);
            EventRuleDef rule = rule(dsl);
            Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
            decide(dsl, rule, t0, 70);
            try (Connection first = db.getConnection()) {
                first.setAutoCommit(false);
                Reading high = reading(t0.plusSeconds(1), 95);
                assertThat(AlarmTransitions.evaluate(DSL.using(first, SQLDialect.POSTGRES), rule, OWNER, List.of(high)))
                        .extracting(AlarmTransitions.Transition::name).containsExactly("alarm.raised");
                // the same sample from another evaluator (a redelivery) while the first has not committed
                CompletableFuture<List<AlarmTransitions.Transition>> second =
                        CompletableFuture.supplyAsync(() -> decide(dsl, rule, t0.plusSeconds(1), 95));
                await().atMost(Duration.ofSeconds(30)).until(() -> RulesFixture.count(db,
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 1);
                first.commit();
                assertThat(second.get(30, TimeUnit.SECONDS)).as("decided already by the first").isEmpty();
            }
            assertThat(RulesFixture.count(db, "SELECT count(*) FROM event WHERE name = 'alarm.raised'")).isEqualTo(1);
            assertThat(RulesFixture.text(db, "SELECT state::text FROM alarm WHERE owner = ?", OWNER)).isEqualTo("active");
        }
    }

    private static EventRuleDef rule(DSLContext dsl) {
        return EventRuleStore.enabled(dsl).stream()
                .filter(r -> r.name().equals("pump-temperature-high")).findFirst().orElseThrow();
    }

    private static Reading reading(Instant ts, double value) {
        return new Reading("metric", OWNER, "temperature", "", ts, value, null, "observed", "test", null, null);
    }

    private static List<AlarmTransitions.Transition> decide(DSLContext dsl, EventRuleDef rule, Instant ts, double value) {
        return dsl.transactionResult(cfg -> AlarmTransitions.evaluateAll(cfg.dsl(),
                List.of(new AlarmTransitions.Work(rule, OWNER, List.of(reading(ts, value))))));
    }
}
