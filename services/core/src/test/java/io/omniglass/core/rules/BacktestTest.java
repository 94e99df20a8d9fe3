package io.omniglass.core.rules;

import com.fasterxml.jackson.core.type.TypeReference;
import io.nats.client.Connection;
import io.omniglass.api.EventRuleBacktest;
import io.omniglass.api.EventRuleBacktestRequest;
import io.omniglass.api.EventRuleRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.lifecycle.LifecycleModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.omniglass.core.rules.RulesFixture.count;
import static io.omniglass.core.rules.RulesFixture.metric;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The same datapoints (a) published on the lane with the rule live and (b) backtested as a draft:
 * the backtest's raise and clear times are the alarm transitions the live rule committed, before
 * and after the older day was tiered to Parquet; a bad draft and a too-long span are 400s.
 */
class BacktestTest {

    static TestCore core;
    static RulesModule rules = new RulesModule();
    static Tenant tenant;
    static DataSource db;
    static OmniglassClient admin;

    /** pump-temperature-high of the fixture: above 85 raises, below 80 (the deadband of 5) clears. */
    static final EventRuleRequest DRAFT = new EventRuleRequest("pump-temperature-high-draft", "component:pump-*", "temperature",
            OmniglassClient.JSON.createObjectNode().put("type", "high").put("threshold", 85).put("deadband", 5),
            "error", "{owner} temperature high", true);

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule(), new SinkModule(), rules, new LifecycleModule(Duration.ofDays(1))));
        tenant = core.createTenant("backtest");
        db = core.core().context().tenantDataSource(tenant);
        RulesFixture.importPlant(db, tenant.slug());
        await().atMost(Duration.ofSeconds(30)).until(() -> rules.serving("backtest"));
        rules.reload("backtest");
        admin = core.admin();
    }

    @AfterAll
    static void stop() throws Exception {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void theBacktestRaisesAndClearsWhenTheLiveRuleDidAcrossHotAndCold() throws Exception {
        Connection nats = core.core().context().nats();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Instant oldDay = today.minusDays(10).atStartOfDay(ZoneOffset.UTC).toInstant().plus(Duration.ofHours(10));
        Instant recent = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        // crossings, the deadband (83 and 84 hold), a rise inside the band (no second raise), an alarm active at the end
        double[] pump1 = {70, 90, 83, 79, 86, 84, 88, 70, 72, 95};
        double[] pump2 = {60, 87, 81, 81, 78, 60, 86, 86, 79, 60};
        int published = 0;
        for (int i = 0; i < pump1.length; i++) {
            metric(nats, "backtest", "component:pump-1", "temperature", oldDay.plusSeconds(60L * i), pump1[i], null, null);
            metric(nats, "backtest", "component:pump-2", "temperature", oldDay.plusSeconds(60L * i + 7), pump2[i], null, null);
            published += 2;
        }
        for (int i = 0; i < pump1.length; i++) {
            metric(nats, "backtest", "component:pump-1", "temperature", recent.plusSeconds(30L * i), pump1[(i + 3) % pump1.length], null, null);
            metric(nats, "backtest", "component:pump-2", "temperature", recent.plusSeconds(30L * i + 5), pump2[(i + 5) % pump2.length], null, null);
            published += 2;
        }
        Instant last1 = recent.plusSeconds(30L * (pump1.length - 1));
        Instant last2 = recent.plusSeconds(30L * (pump2.length - 1) + 5);
        int expected = published;
        await().atMost(Duration.ofSeconds(30)).until(() ->
                count(db, "SELECT count(*) FROM metric_datapoint m JOIN series s ON s.id = m.series_id"
                        + " WHERE s.owner IN ('component:pump-1', 'component:pump-2')") == expected
                        && count(db, "SELECT count(*) FROM event_rule_state WHERE (owner = 'component:pump-1' AND last_ts = ?::timestamptz)"
                        + " OR (owner = 'component:pump-2' AND last_ts = ?::timestamptz)", last1.toString(), last2.toString()) == 2);
        List<String> live = liveTransitions();
        assertThat(live).as("the live rule raised and cleared").hasSizeGreaterThan(6);

        OffsetDateTime from = today.minusDays(11).atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime to = OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(1);
        EventRuleBacktest hot = admin.backtestEventRule("backtest", new EventRuleBacktestRequest(DRAFT, from, to, null));
        assertThat(hot.evaluatedPoints()).isEqualTo(published);
        assertThat(hot.coldPoints()).isZero();
        assertThat(transitions(hot)).isEqualTo(live);
        assertThat(hot.raises()).isEqualTo((int) live.stream().filter(s -> s.contains("raised")).count());
        assertThat(hot.owners()).extracting(EventRuleBacktest.Owner::owner).containsExactly("component:pump-1", "component:pump-2");
        assertThat(hot.owners().get(0).intervals().get(hot.owners().get(0).intervals().size() - 1).clearedAt())
                .as("pump-1 ends above the threshold: still active at the span's end").isNull();

        // the calc rule of the fixture writes system:loop's temperature too: not selected by the rule
        // the old day goes to the cold tier (it was written by a backfill: let its grace period pass)
        RulesFixture.count(db, "WITH u AS (UPDATE partition_write SET last_write_at = now() - interval '1 day' RETURNING 1) SELECT count(*) FROM u");
        Map<String, Object> report = admin.post("/api/v1/tenants/backtest/maintenance", Map.of(), new TypeReference<Map<String, Object>>() { });
        assertThat((List<?>) report.get("tiered")).as("maintenance report %s", report).isNotEmpty();
        assertThat(count(db, "SELECT count(*) FROM cold_file WHERE day = ?::date", today.minusDays(10).toString())).isEqualTo(1);

        EventRuleBacktest mixed = admin.backtestEventRule("backtest", new EventRuleBacktestRequest(DRAFT, from, to, null));
        assertThat(mixed.coldPoints()).as("the old day read from Parquet").isEqualTo(2L * pump1.length);
        assertThat(mixed.evaluatedPoints()).isEqualTo(published);
        assertThat(transitions(mixed)).isEqualTo(live);

        // a selection of series narrows the run to them
        long pump2Series = mixed.owners().get(1).series().get(0);
        EventRuleBacktest one = admin.backtestEventRule("backtest", new EventRuleBacktestRequest(DRAFT, from, to, List.of(pump2Series)));
        assertThat(one.owners()).extracting(EventRuleBacktest.Owner::owner).containsExactly("component:pump-2");
        assertThat(transitions(one)).isEqualTo(live.stream().filter(s -> s.startsWith("component:pump-2")).toList());
        // nothing was written: no rule, no alarm, no audit row of the draft
        assertThat(count(db, "SELECT count(*) FROM event_rule WHERE name = ?", DRAFT.name())).isZero();
        assertThat(count(db, "SELECT count(*) FROM audit_log WHERE resource LIKE 'event_rule:%' AND new::text LIKE ?", "%draft%")).isZero();
    }

    @Test
    void aBadDraftAndATooLongSpanAre400sWithTheMessagesOfACreate() {
        OffsetDateTime to = OffsetDateTime.now(ZoneOffset.UTC);
        EventRuleRequest bad = new EventRuleRequest("x", "component:*", "temperature",
                OmniglassClient.JSON.createObjectNode().put("type", "nope"), "error", null, null);
        String createMessage = message(() -> admin.createEventRule("backtest", bad));
        assertThat(createMessage).contains("unknown condition type 'nope'");
        assertThat(message(() -> admin.backtestEventRule("backtest", new EventRuleBacktestRequest(bad, to.minusDays(1), to, null))))
                .isEqualTo(createMessage);
        EventRuleRequest badSeverity = new EventRuleRequest("x", "component:*", "temperature", DRAFT.condition(), "loud", null, null);
        assertThat(message(() -> admin.backtestEventRule("backtest", new EventRuleBacktestRequest(badSeverity, to.minusDays(1), to, null))))
                .isEqualTo(message(() -> admin.createEventRule("backtest", badSeverity)));

        assertThat(message(() -> admin.backtestEventRule("backtest", new EventRuleBacktestRequest(DRAFT, to.minusDays(400), to, null))))
                .contains("longer than 366 days");
        assertThat(message(() -> admin.backtestEventRule("backtest", new EventRuleBacktestRequest(DRAFT, to, to.minusDays(1), null))))
                .contains("'from' must be before 'to'");
        assertThat(message(() -> admin.backtestEventRule("backtest", new EventRuleBacktestRequest(null, to.minusDays(1), to, null))))
                .contains("'rule' is required");
        assertThat(message(() -> admin.backtestEventRule("backtest", new EventRuleBacktestRequest(DRAFT, to.minusDays(1), to, List.of(999_999L)))))
                .contains("series 999999 is not one the rule selects");
    }

    /**
     * A client that goes away stops the run: a backtest over 990,000 datapoints (near the bound: long enough that the client is seen gone before the end on a quiet machine too), the request sent
     * on a plain socket that is closed at the first heartbeat; the core counts the run cancelled,
     * never answered.
     */
    @Test
    void aClientThatGoesAwayStopsTheRun() throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        OffsetDateTime from = today.minusDays(20).atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime to = today.atStartOfDay().atOffset(ZoneOffset.UTC);
        try (var c = db.getConnection(); var st = c.createStatement()) {
            st.execute("INSERT INTO source_rule (name, version) VALUES ('backtest-bulk', 1) ON CONFLICT DO NOTHING");
            st.execute("INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source)"
                    + " SELECT 'component', 'tank-2', id, kind, 'observed', 'bulk' FROM datapoint_type WHERE name = 'level'");
            for (int d = 20; d >= 1; d--) {
                st.execute("SELECT og_create_partition('metric_datapoint', '" + today.minusDays(d) + "')");
            }
            st.execute("INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id)"
                    + " SELECT (SELECT id FROM series WHERE source = 'bulk'), '" + from + "'::timestamptz + make_interval(secs => i * 1.745),"
                    + " 80 + 20 * sin(i / 500.0), 'observed', (SELECT id FROM source_rule WHERE name = 'backtest-bulk')"
                    + " FROM generate_series(0, 989999) i");
        }
        var metrics = core.core().context().metrics();
        double answeredBefore = runs(metrics, "answered");
        String body = OmniglassClient.JSON.writeValueAsString(new EventRuleBacktestRequest(new EventRuleRequest("tank-level-draft",
                "component:tank-*", "level", OmniglassClient.JSON.createObjectNode().put("type", "high").put("threshold", 95),
                "warning", null, null), from, to, null));
        java.net.URI base = java.net.URI.create(core.httpUrl());
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            byte[] payload = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            socket.getOutputStream().write(("POST /api/v1/tenants/backtest/event-rules:backtest HTTP/1.1\r\nHost: " + base.getHost()
                    + "\r\nAuthorization: Bearer " + core.adminToken() + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + payload.length + "\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().write(payload);
            socket.getOutputStream().flush();
            socket.setSoTimeout(60_000);
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(in.readLine()).as("the run is long: the core answers 200 and starts its heartbeat").startsWith("HTTP/1.1 200");
        } // the client goes away while the run goes on
        await().atMost(Duration.ofSeconds(30)).until(() -> runs(metrics, "cancelled") == 1);
        assertThat(runs(metrics, "answered")).isEqualTo(answeredBefore);
    }

    private static double runs(io.micrometer.core.instrument.MeterRegistry metrics, String outcome) {
        var c = metrics.find(BacktestRoute.RUNS).tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    private static String message(Runnable call) {
        List<String> got = new ArrayList<>();
        assertThatThrownBy(call::run).isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            got.add(e.error().detail());
        });
        return got.get(0);
    }

    /** "owner raised|cleared ts" of what the live rule committed, in time order per owner. */
    private static List<String> liveTransitions() throws Exception {
        List<String> out = new ArrayList<>();
        try (var c = db.getConnection(); var st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT owner, name, trigger_ts FROM event WHERE event_rule_id = (SELECT id FROM event_rule WHERE name = 'pump-temperature-high')"
                        + " ORDER BY owner, trigger_ts, id")) {
            while (rs.next()) {
                out.add(rs.getString(1) + " " + rs.getString(2).replace("alarm.", "") + " "
                        + rs.getObject(3, OffsetDateTime.class).toInstant());
            }
        }
        return out;
    }

    private static List<String> transitions(EventRuleBacktest b) {
        List<String> out = new ArrayList<>();
        for (EventRuleBacktest.Owner o : b.owners()) {
            for (EventRuleBacktest.Interval i : o.intervals()) {
                out.add(o.owner() + " raised " + i.raisedAt().toInstant());
                if (i.clearedAt() != null) {
                    out.add(o.owner() + " cleared " + i.clearedAt().toInstant());
                }
            }
        }
        return out;
    }
}
