package io.omniglass.core.lineage;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.omniglass.api.LineageGraph;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.rules.RulesModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.omniglass.core.rules.RulesFixture.count;
import static io.omniglass.core.rules.RulesFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The whole round trip on one core with the real sink and CDC publisher: datapoint -> event ->
 * alarm -> (CDC) action -> intended datapoint -> command -> the device's observed datapoint ->
 * confirmed action, read back as one lineage graph, with the database refusing broken pointers.
 */
class RoundTripLineageTest {

    static TestCore core;
    static RulesModule rules = new RulesModule();
    static Tenant tenant;
    static DataSource db;
    static Dispatcher device;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new io.omniglass.core.gateway.GatewayModule(), new SinkModule(), new CdcModule(), rules,
                new io.omniglass.core.alarms.AlarmsModule(), new LineageModule()));
        tenant = core.createTenant("trip");
        db = core.core().context().tenantDataSource(tenant);
        RulesFixture.importPlant(db, "trip");
        // the calc consumer delivers what arrives after it is made (with the rules): publish once this core serves the tenant
        await().atMost(Duration.ofSeconds(30)).until(() -> rules.serving("trip"));
        rules.reload("trip");
        Connection nats = core.core().context().nats();
        // a device: applies the command and reports its new position, naming the command that caused it
        device = nats.createDispatcher(msg -> {
            try {
                JsonNode cmd = OmniglassClient.JSON.readTree(msg.getData());
                String body = "{\"owner\":\"" + cmd.get("owner").asText() + "\",\"key\":\"" + cmd.get("key").asText()
                        + "\",\"ts\":\"" + Instant.now().truncatedTo(ChronoUnit.MICROS) + "\",\"value\":" + cmd.get("value")
                        + ",\"source\":\"sim\",\"source_rule\":\"sim-poll\",\"source_rule_version\":1}";
                RulesFixture.publish(nats, TenantStreams.dataSubject("trip", "state"), body, null, cmd.get("event_id").asLong());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        device.subscribe("og.trip.cmd");
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void theRoundTripComesBackFromTheLineageApiWithEveryPointerEnforced() throws Exception {
        Instant ts = Instant.now().minusSeconds(2).truncatedTo(ChronoUnit.MICROS);
        RulesFixture.metric(core.core().context().nats(), "trip", "component:tank-2", "level", ts, 95.0, "lvl-1", null);

        await().atMost(Duration.ofSeconds(60)).until(() ->
                count(db, "SELECT count(*) FROM action WHERE status = 'confirmed'") == 1);
        long series = count(db, "SELECT trigger_series_id FROM event WHERE name = 'alarm.raised' AND owner = 'component:tank-2'");
        await().atMost(Duration.ofSeconds(45)).until(() ->
                count(db, "SELECT count(*) FROM metric_datapoint WHERE series_id = ?", series) == 1
                        && count(db, "SELECT count(*) FROM state_datapoint WHERE event_id IS NOT NULL OR caused_by_event_id IS NOT NULL") == 2);
        long alarm = count(db, "SELECT id FROM alarm WHERE owner = 'component:tank-2'");
        long raise = count(db, "SELECT raise_event_id FROM alarm WHERE owner = 'component:tank-2'");
        long command = count(db, "SELECT command_event_id FROM action");
        long action = count(db, "SELECT id FROM action");
        assertThat(count(db, "SELECT trigger_event_id FROM event WHERE id = ?", command)).isEqualTo(raise);

        LineageGraph g = core.admin().get("/api/v1/tenants/trip/lineage/metric/" + series + "/" + ts + "?depth=3",
                new TypeReference<LineageGraph>() { });
        Map<String, LineageGraph.Node> nodes = g.nodes().stream().collect(Collectors.toMap(LineageGraph.Node::id, Function.identity()));
        String levelDp = "datapoint:metric:" + series + ":" + ts;
        assertThat(g.root()).isEqualTo(levelDp);
        String intendedDp = "datapoint:state:" + count(db, "SELECT series_id FROM state_datapoint WHERE event_id = ?", command) + ":"
                + Instant.parse(text(db, "SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM state_datapoint WHERE event_id = ?", command));
        String observedDp = "datapoint:state:" + count(db, "SELECT series_id FROM state_datapoint WHERE caused_by_event_id = ?", command) + ":"
                + Instant.parse(text(db, "SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM state_datapoint WHERE caused_by_event_id = ?", command));
        assertThat(nodes).containsKeys(levelDp, "event:" + raise, "alarm:" + alarm, "event:" + command, "action:" + action,
                intendedDp, observedDp, "series:" + series);
        assertThat(nodes.keySet()).anyMatch(id -> id.startsWith("event_rule_version:"));
        assertThat(nodes.keySet()).anyMatch(id -> id.startsWith("action_rule_version:"));
        assertThat(nodes.get(intendedDp).attrs().get("provenance")).isEqualTo("intended");
        assertThat(nodes.get(observedDp).attrs().get("value")).isEqualTo("closed");
        assertThat(g.edges()).contains(
                new LineageGraph.Edge(levelDp, "event:" + raise, "triggered"),
                new LineageGraph.Edge("event:" + raise, "alarm:" + alarm, "raised"),
                new LineageGraph.Edge("event:" + raise, "event:" + command, "triggered"),
                new LineageGraph.Edge("event:" + command, "action:" + action, "commanded"),
                new LineageGraph.Edge("event:" + command, intendedDp, "intended"),
                new LineageGraph.Edge("event:" + command, observedDp, "caused"));

        // from the alarm, depth 1: its raise event and rule version, the rest counted, not returned
        LineageGraph fromAlarm = core.admin().get("/api/v1/tenants/trip/lineage/alarm/" + alarm + "?depth=1",
                new TypeReference<LineageGraph>() { });
        assertThat(fromAlarm.nodes()).extracting(LineageGraph.Node::id).contains("alarm:" + alarm, "event:" + raise, "action:" + action)
                .doesNotContain("event:" + command);
        assertThat(fromAlarm.nodes().stream().filter(n -> n.id().equals("event:" + raise)).findFirst().orElseThrow().hidden())
                .isGreaterThanOrEqualTo(2); // the triggering datapoint and the command event at least

        assertThatThrownBy(() -> core.admin().get("/api/v1/tenants/trip/lineage/metric/" + series + "/2001-01-01T00:00:00Z",
                new TypeReference<LineageGraph>() { }))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(404));

        // every pointer of the chain is a foreign key: the database refuses to break it
        assertRefused("DELETE FROM event WHERE id = " + command);
        assertRefused("DELETE FROM event WHERE id = " + raise);
        assertRefused("UPDATE alarm SET raise_event_id = -1 WHERE id = " + alarm);
        assertRefused("UPDATE event SET trigger_series_id = -1 WHERE id = " + raise);
        assertRefused("UPDATE action SET confirmed_series_id = -1 WHERE id = " + action);
        assertRefused("INSERT INTO state_datapoint (series_id, ts, value, provenance, event_id) SELECT series_id, ts + interval '1 ms', value, provenance, -1 FROM state_datapoint WHERE event_id = " + command);
        assertRefused("INSERT INTO state_datapoint (series_id, ts, value, provenance, source_rule_id, caused_by_event_id) SELECT series_id, ts + interval '1 ms', value, provenance, source_rule_id, -1 FROM state_datapoint WHERE caused_by_event_id = " + command);
        assertRefused("INSERT INTO event (name, origin, owner_kind, component_id, action_rule_id, action_rule_version, trigger_event_id) VALUES ('command', 'rule', 'component', 'valve-2', 1, 1, -1)");
    }

    @Test
    void aCalculatedDatapointLeadsBackToItsCalcRuleVersion() throws Exception {
        // the output's ts is the newest input's: newer than anything another test sent
        Instant ts = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String batch = "[" + dp("component:pump-1", ts, 31.5) + "," + dp("component:pump-2", ts, 20.0) + "]";
        RulesFixture.publish(core.core().context().nats(), TenantStreams.dataSubject("trip", "metric"), batch, null, null);
        try {
            await().atMost(Duration.ofSeconds(45)).until(() -> count(db, """
                    SELECT count(*) FROM metric_datapoint d JOIN series s ON s.id = d.series_id
                    WHERE s.owner = 'system:loop' AND s.provenance = 'calculated' AND d.ts = ?::timestamptz""", ts.toString()) == 1);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no calculated datapoint stored; dead letters:\n"
                    + RulesFixture.deadLetters(core.core().context().nats(), "trip"), e);
        }
        assertThat(text(db, """
                SELECT d.value || ' ' || r.name || ' v' || r.version || ' ' || c.name || ' v' || r.calc_rule_version
                FROM metric_datapoint d JOIN series s ON s.id = d.series_id JOIN source_rule r ON r.id = d.source_rule_id
                JOIN calc_rule c ON c.id = r.calc_rule_id WHERE s.owner = 'system:loop' AND d.ts = ?::timestamptz""", ts.toString()))
                .isEqualTo("11.5 calc:loop-temperature-spread v1 loop-temperature-spread v1");
        long series = count(db, "SELECT id FROM series WHERE owner = 'system:loop' AND provenance = 'calculated'");
        LineageGraph g = core.admin().lineage("trip", "metric", series, ts, 2);
        assertThat(g.nodes()).extracting(LineageGraph.Node::type).contains("source_rule", "calc_rule_version");
    }

    @Test
    void silenceRaisesANoDataAlarmOnScheduleAndTheNextDatapointClearsIt() throws Exception {
        core.admin().createEventRule("trip", new io.omniglass.api.EventRuleRequest("pump-2-silent", "component:pump-2", "temperature",
                OmniglassClient.JSON.readTree("{\"type\":\"no_data\",\"seconds\":2}"), "error", null, null));
        RulesFixture.metric(core.core().context().nats(), "trip", "component:pump-2", "temperature", Instant.now(), 20.0, null, null);
        String alarm = "SELECT a.state FROM alarm a JOIN event_rule r ON r.id = a.event_rule_id WHERE r.name = 'pump-2-silent'";
        await().atMost(Duration.ofSeconds(45)).until(() -> "active".equals(text(db, alarm)));
        assertThat(text(db, """
                SELECT e.origin FROM alarm a JOIN event e ON e.id = a.raise_event_id JOIN event_rule r ON r.id = a.event_rule_id
                WHERE r.name = 'pump-2-silent'""")).isEqualTo("scheduled");
        RulesFixture.metric(core.core().context().nats(), "trip", "component:pump-2", "temperature", Instant.now(), 21.0, null, null);
        await().atMost(Duration.ofSeconds(45)).until(() -> "cleared".equals(text(db, alarm)));
    }

    @Test
    void aNewRuleJudgesThePresentValuesWithoutWaitingForTheNextDatapoint() throws Exception {
        Instant ts = Instant.now().truncatedTo(ChronoUnit.MICROS);
        RulesFixture.publish(core.core().context().nats(), TenantStreams.dataSubject("trip", "metric"),
                "[" + dp("component:pump-9", ts, 55.0) + "]", null, null);
        await().atMost(Duration.ofSeconds(45)).until(() -> count(db, """
                SELECT count(*) FROM series_latest l JOIN series s ON s.id = l.series_id
                WHERE s.owner = 'component:pump-9' AND l.ts = ?::timestamptz""", ts.toString()) == 1);
        core.admin().createEventRule("trip", new io.omniglass.api.EventRuleRequest("pump-9-warm", "component:pump-9", "temperature",
                OmniglassClient.JSON.readTree("{\"type\":\"high\",\"threshold\":50}"), "notice", null, null));
        String sql = "SELECT a.state || ' ' || e.origin || ' ' || (e.trigger_ts = ?::timestamptz) FROM alarm a "
                + "JOIN event_rule r ON r.id = a.event_rule_id JOIN event e ON e.id = a.raise_event_id WHERE r.name = 'pump-9-warm'";
        await().atMost(Duration.ofSeconds(30)).until(() -> text(db, sql, ts.toString()) != null);
        assertThat(text(db, sql, ts.toString())).isEqualTo("active rule true");
    }

    private static String dp(String owner, Instant ts, double v) {
        return "{\"owner\":\"" + owner + "\",\"key\":\"temperature\",\"ts\":\"" + ts + "\",\"value\":" + v
                + ",\"source\":\"sim\",\"source_rule\":\"sim-poll\",\"source_rule_version\":1}";
    }

    private static void assertRefused(String sql) {
        assertThatThrownBy(() -> {
            try (var c = db.getConnection(); var st = c.createStatement()) {
                st.execute(sql);
            }
        }).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).as(sql).isEqualTo("23503"));
    }
}
