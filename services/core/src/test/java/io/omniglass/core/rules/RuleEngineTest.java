package io.omniglass.core.rules;

import io.omniglass.core.alarms.AlarmTransitions;
import io.nats.client.Connection;
import io.omniglass.api.EventRuleInfo;
import io.omniglass.api.EventRuleRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.omniglass.core.rules.RulesFixture.count;
import static io.omniglass.core.rules.RulesFixture.metric;
import static io.omniglass.core.rules.RulesFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two cores (two rule engines sharing the og-rules consumer) on one Postgres and nats-server:
 * crossings raise and clear exactly once, whatever the engines race on and however often the
 * datapoints are redelivered.
 */
class RuleEngineTest {

    static TestInfra infra;
    static TestCore a;
    static TestCore b;
    static RulesModule rulesA = new RulesModule();
    static RulesModule rulesB = new RulesModule();
    static Tenant tenant;
    static DataSource db;
    static Connection nats;

    @BeforeAll
    static void start() {
        infra = TestInfra.start();
        a = TestCore.start(List.of(new io.omniglass.core.gateway.GatewayModule(), rulesA), infra.env());
        b = TestCore.start(List.of(new io.omniglass.core.gateway.GatewayModule(), rulesB), infra.env());
        tenant = a.createTenant("rules");
        db = a.core().context().tenantDataSource(tenant);
        RulesFixture.importPlant(db, tenant.slug());
        await().atMost(Duration.ofSeconds(30)).until(() -> rulesA.serving("rules") && rulesB.serving("rules"));
        rulesA.reload("rules");
        rulesB.reload("rules");
        nats = a.core().context().nats();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{b, a, infra}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    @Test
    void aCrossingRaisesOneAlarmAndOneEventAcrossTwoEnginesAndRedeliveriesAndCrossingBackClears() throws Exception {
        Instant t0 = Instant.now().minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        metric(nats, "rules", "component:pump-1", "temperature", t0, 70.0, null, null);
        // the crossing, published 20 times from 4 threads without dedup ids: every copy is delivered,
        // the two engines split them, and each copy is a redelivery of the same datapoint
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<?>> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.add(pool.submit(() -> {
                metric(nats, "rules", "component:pump-1", "temperature", t0.plusSeconds(1), 90.0, null, null);
                return null;
            }));
        }
        // and a stream of other datapoints (another owner, well below the threshold), so that the
        // shared consumer hands work to both engines while the crossing is being decided
        for (int i = 0; i < 400; i++) {
            final int k = i;
            sent.add(pool.submit(() -> {
                metric(nats, "rules", "component:pump-2", "temperature", t0.minusSeconds(600).plusMillis(k), 50.0, null, null);
                return null;
            }));
        }
        for (Future<?> f : sent) {
            f.get();
        }
        metric(nats, "rules", "component:pump-1", "temperature", t0.plusSeconds(2), 88.0, null, null); // above, no new raise
        metric(nats, "rules", "component:pump-1", "temperature", t0.plusSeconds(3), 83.0, null, null); // inside the deadband

        await().atMost(Duration.ofSeconds(20)).until(() ->
                count(db, "SELECT count(*) FROM event_rule_state WHERE owner = 'component:pump-1' AND last_ts = ?::timestamptz",
                        t0.plusSeconds(3).toString()) == 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> evaluated(a) + evaluated(b) >= 423);
        assertThat(evaluated(a)).as("datapoints evaluated by engine A").isPositive();
        assertThat(evaluated(b)).as("datapoints evaluated by engine B").isPositive();
        assertThat(count(db, "SELECT count(*) FROM alarm WHERE owner = 'component:pump-1'")).isEqualTo(1);
        assertThat(text(db, "SELECT state FROM alarm WHERE owner = 'component:pump-1'")).isEqualTo("active");
        assertThat(count(db, "SELECT count(*) FROM event WHERE owner = 'component:pump-1' AND name = 'alarm.raised'")).isEqualTo(1);
        // the event's lineage: the rule version and the triggering datapoint's series and ts
        assertThat(text(db, """
                SELECT e.origin || ' ' || r.name || ' v' || e.event_rule_version || ' ' || s.owner || ' ' || t.name
                       || ' ' || (e.trigger_ts = ?::timestamptz)
                FROM event e JOIN event_rule r ON r.id = e.event_rule_id JOIN series s ON s.id = e.trigger_series_id
                JOIN datapoint_type t ON t.id = s.datapoint_type_id WHERE e.owner = 'component:pump-1'""", t0.plusSeconds(1)
                .truncatedTo(java.time.temporal.ChronoUnit.MICROS).toString()))
                .isEqualTo("rule pump-temperature-high v1 component:pump-1 temperature true");
        assertThat(text(db, "SELECT raise_event_id = last_event_id FROM alarm WHERE owner = 'component:pump-1'")).isEqualTo("t");

        // crossing back below threshold - deadband clears, once, even redelivered
        for (int i = 0; i < 5; i++) {
            metric(nats, "rules", "component:pump-1", "temperature", t0.plusSeconds(4), 79.0, null, null);
        }
        await().atMost(Duration.ofSeconds(20)).until(() ->
                "cleared".equals(text(db, "SELECT state FROM alarm WHERE owner = 'component:pump-1'")));
        Thread.sleep(500); // give a duplicate clear the chance to show
        assertThat(count(db, "SELECT count(*) FROM event WHERE owner = 'component:pump-1' AND name = 'alarm.cleared'")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM event WHERE owner = 'component:pump-1'")).isEqualTo(2);
        assertThat(text(db, "SELECT cleared_at = '" + t0.plusSeconds(4) + "'::timestamptz FROM alarm WHERE owner = 'component:pump-1'"))
                .isEqualTo("t");

        // an old datapoint redelivered late (the crossing) does not raise again
        metric(nats, "rules", "component:pump-1", "temperature", t0.plusSeconds(1), 90.0, null, null);
        metric(nats, "rules", "component:pump-1", "temperature", t0.plusSeconds(5), 78.0, null, null);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                count(db, "SELECT count(*) FROM event_rule_state WHERE owner = 'component:pump-1' AND last_ts = ?::timestamptz",
                        t0.plusSeconds(5).toString()) == 1);
        assertThat(count(db, "SELECT count(*) FROM event WHERE owner = 'component:pump-1'")).isEqualTo(2);
        pool.shutdown();
    }

    static double evaluated(TestCore core) {
        var c = core.core().context().metrics().find("og_rules_datapoints_evaluated").tag("tenant", "rules").counter();
        return c == null ? 0 : c.count();
    }

    /**
     * The serialization itself, without relying on how JetStream happens to split messages between
     * the two engines: 8 evaluators race on the same crossing, each in its own transaction.
     */
    @Test
    void racingEvaluatorsCommitExactlyOneTransition() throws Exception {
        org.jooq.DSLContext dsl = org.jooq.impl.DSL.using(db, org.jooq.SQLDialect.POSTGRES);
        EventRuleDef rule = EventRuleStore.enabled(dsl).stream().filter(r -> r.name().equals("tank-level-high")).findFirst().orElseThrow();
        Instant ts = Instant.now().minusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        Reading crossing = new Reading("metric", "component:tank-2", "level", "", ts, 97.0, null, "observed", "sim", null, null);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            results.add(pool.submit(() -> {
                go.await();
                return dsl.transactionResult(cfg -> AlarmTransitions.evaluate(cfg.dsl(), rule, "component:tank-2", List.of(crossing))).size();
            }));
        }
        go.countDown();
        int transitions = 0;
        for (Future<Integer> f : results) {
            transitions += f.get();
        }
        pool.shutdown();
        assertThat(transitions).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM event WHERE owner = 'component:tank-2' AND name = 'alarm.raised'")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM alarm WHERE owner = 'component:tank-2' AND state = 'active'")).isEqualTo(1);
    }

    @Test
    void eventRulesAreVersionedAndAuditedOverHttpAndAnEditTakesEffect() throws Exception {
        OmniglassClient admin = a.admin();
        var type = new com.fasterxml.jackson.core.type.TypeReference<EventRuleInfo>() { };
        EventRuleInfo created = admin.post("/api/v1/tenants/rules/event-rules", new EventRuleRequest("pump-2-cold",
                "component:pump-2", "temperature", OmniglassClient.JSON.readTree("{\"type\":\"low\",\"threshold\":5}"),
                "warning", "too cold", null), type);
        assertThat(created.version()).isEqualTo(1);
        EventRuleInfo edited = admin.put("/api/v1/tenants/rules/event-rules/" + created.id(), new EventRuleRequest(null, null, null,
                OmniglassClient.JSON.readTree("{\"type\":\"low\",\"threshold\":10,\"deadband\":1}"), null, null, null), type);
        assertThat(edited.version()).isEqualTo(2);
        assertThat(edited.condition().get("threshold").asDouble()).isEqualTo(10.0);
        assertThat(count(db, "SELECT count(*) FROM event_rule_version WHERE event_rule_id = ?", created.id())).isEqualTo(2);
        assertThat(count(db, "SELECT count(*) FROM audit_log WHERE resource = ? AND verb IN ('event_rule.create', 'event_rule.update')",
                "event_rule:" + created.id())).isEqualTo(2);

        // the edit reaches the engine of the other core too (through the change feed or its own reload)
        rulesB.reload("rules");
        metric(nats, "rules", "component:pump-2", "temperature", Instant.now().minusSeconds(5), 7.0, null, null);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                count(db, "SELECT count(*) FROM alarm WHERE owner = 'component:pump-2' AND event_rule_version = 2 AND state = 'active'") == 1);

        assertThatThrownBy(() -> admin.post("/api/v1/tenants/rules/event-rules", new EventRuleRequest("bad", "component:*",
                "temperature", OmniglassClient.JSON.readTree("{\"type\":\"sideways\"}"), null, null, null), type))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("unknown condition type");
                });
        assertThatThrownBy(() -> admin.put("/api/v1/tenants/rules/event-rules/999999", new EventRuleRequest(null, null, null,
                null, null, null, false), type))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        admin.delete("/api/v1/tenants/rules/event-rules/" + created.id(), new com.fasterxml.jackson.core.type.TypeReference<Void>() { });
        // a deleted rule evaluates no more: its active alarm is cleared by the operator who deleted it
        assertThat(text(db, "SELECT a.state || ' ' || e.origin || ' ' || e.actor FROM alarm a JOIN event e ON e.id = a.last_event_id WHERE a.event_rule_id = ?",
                created.id())).isEqualTo("cleared operator admin");
        assertThat(admin.get("/api/v1/tenants/rules/event-rules", new com.fasterxml.jackson.core.type.TypeReference<List<EventRuleInfo>>() { }))
                .extracting(EventRuleInfo::name).doesNotContain("pump-2-cold").contains("pump-temperature-high");
    }
}
