package io.omniglass.core.rules;

import io.omniglass.core.alarms.AlarmTransitions;
import io.nats.client.Connection;
import io.omniglass.api.EventRuleRequest;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.omniglass.core.rules.RulesFixture.count;
import static io.omniglass.core.rules.RulesFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Findings 2 and 11 of issue 16: a wrong device clock must not silence a rule, and no alarm may
 * outlive the rule that raised it.
 */
class RuleIntegrityTest {

    static TestCore core;
    static RulesModule rules = new RulesModule();

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule(), rules));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    private static DataSource tenant(String slug) {
        Tenant t = core.createTenant(slug);
        DataSource db = core.core().context().tenantDataSource(t);
        RulesFixture.importPlant(db, slug);
        await().atMost(Duration.ofSeconds(30)).until(() -> rules.serving(slug));
        rules.reload(slug);
        return db;
    }

    private static void publish(Connection nats, String slug, String ts, double value) throws Exception {
        RulesFixture.publish(nats, TenantStreams.dataSubject(slug, "metric"), "{\"owner\":\"component:pump-2\",\"key\":\"temperature\",\"ts\":\""
                + ts + "\",\"value\":" + value + ",\"source\":\"sim\",\"source_rule\":\"sim-poll\"}", null, null);
    }

    @Test
    void aDatapointStampedIn2100OrAnyExtremeYearNeitherSilencesTheRuleNorStallsIt() throws Exception {
        DataSource db = tenant("clock");
        Connection nats = core.core().context().nats();
        publish(nats, "clock", "2100-01-01T00:00:00Z", 70.0);           // a device clock 74 years ahead
        publish(nats, "clock", "+294277-01-01T00:00:00Z", 70.0);        // beyond what Postgres can store
        publish(nats, "clock", "+999999999-12-31T23:59:59Z", 70.0);     // the last OffsetDateTime
        publish(nats, "clock", "-999999999-01-01T00:00:00+18:00", 70.0); // the first one
        publish(nats, "clock", "+1000000000-01-01T00:00:00Z", 70.0);    // not a timestamp at all
        Instant real = Instant.now().minusSeconds(1).truncatedTo(ChronoUnit.MILLIS);
        publish(nats, "clock", real.toString(), 95.0);                  // the real crossing
        await().atMost(Duration.ofSeconds(20)).until(() ->
                count(db, "SELECT count(*) FROM alarm WHERE owner = 'component:pump-2' AND state = 'active'") == 1);
        assertThat(text(db, "SELECT s.last_ts = ?::timestamptz FROM event_rule_state s JOIN event_rule r ON r.id = s.event_rule_id"
                + " WHERE r.name = 'pump-temperature-high' AND s.owner = 'component:pump-2'", real.toString())).isEqualTo("t");
    }

    @Test
    void aBatchEvaluatedWithAStaleRuleListRaisesNothingOnceTheRuleIsDisabled() {
        DataSource db = tenant("ghost_stale");
        DSLContext dsl = DSL.using(db, SQLDialect.POSTGRES);
        EventRuleDef stale = rule(dsl);
        disable(dsl, stale.id());
        List<AlarmTransitions.Transition> done = dsl.transactionResult(cfg ->
                AlarmTransitions.evaluate(cfg.dsl(), stale, "component:pump-1", crossing()));
        assertThat(done).isEmpty();
        assertThat(count(db, "SELECT count(*) FROM alarm WHERE state = 'active'")).isZero();
    }

    @Test
    void aDisableRacingAnInFlightRaiseWaitsForItAndClearsWhatItRaised() throws Exception {
        DataSource db = tenant("ghost_race");
        DSLContext dsl = DSL.using(db, SQLDialect.POSTGRES);
        EventRuleDef rule = rule(dsl);
        try (java.sql.Connection inFlight = db.getConnection()) {
            inFlight.setAutoCommit(false);
            List<AlarmTransitions.Transition> raised = AlarmTransitions.evaluate(DSL.using(inFlight, SQLDialect.POSTGRES),
                    rule, "component:pump-1", crossing());
            assertThat(raised).extracting(AlarmTransitions.Transition::name).containsExactly("alarm.raised");
            CompletableFuture<Void> disabling = CompletableFuture.runAsync(() -> disable(dsl, rule.id()));
            Thread.sleep(700);
            assertThat(disabling).as("the disable waits for the raise in flight").isNotDone();
            inFlight.commit();
            disabling.get(10, TimeUnit.SECONDS);
        }
        assertThat(count(db, "SELECT count(*) FROM alarm WHERE state = 'active'")).isZero();
        assertThat(count(db, "SELECT count(*) FROM alarm WHERE state = 'cleared' AND owner = 'component:pump-1'")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM event WHERE name = 'alarm.cleared' AND message LIKE 'rule disabled:%'")).isEqualTo(1);
    }

    private static EventRuleDef rule(DSLContext dsl) {
        return EventRuleStore.enabled(dsl).stream().filter(r -> r.name().equals("pump-temperature-high")).findFirst().orElseThrow();
    }

    private static void disable(DSLContext dsl, long id) {
        dsl.transaction(cfg -> EventRuleStore.update(cfg.dsl(), id,
                new EventRuleRequest(null, null, null, null, null, null, false), io.omniglass.core.gateway.AuditActor.named("test-operator")).orElseThrow());
    }

    private static List<Reading> crossing() {
        Instant t = Instant.now().minusSeconds(10);
        return List.of(
                new Reading("metric", "component:pump-1", "temperature", "", t, 70.0, null, "observed", "sim", null, null),
                new Reading("metric", "component:pump-1", "temperature", "", t.plusSeconds(1), 95.0, null, "observed", "sim", null, null));
    }
}
