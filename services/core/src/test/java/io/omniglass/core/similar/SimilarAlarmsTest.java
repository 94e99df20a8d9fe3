package io.omniglass.core.similar;

import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.SimilarAlarm;
import io.omniglass.api.SimilarAlarms;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.rules.RulesModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static io.omniglass.core.rules.RulesFixture.count;
import static io.omniglass.core.rules.RulesFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Similar past alarms on the embedded default (the pgvector bundle): the extension is created,
 * every raise gets a fingerprint, a recurring fault's earlier occurrences rank above unrelated
 * alarms with how they ended and what was done, the HNSW index serves the filtered search, a
 * system-scoped token sees nothing outside its subtree, and a live raise is fingerprinted after
 * it commits (through the CDC feed).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SimilarAlarmsTest {

    static TestCore core;
    static SimilarModule similar = new SimilarModule();
    static RulesModule rules = new RulesModule();
    static DataSource db;
    static SimilarHistory history;
    static long wear1Old;
    static long wear2;
    static long wear9;
    static long surge3;
    static long surge4;
    static long hot2;
    static long wear1Now;

    @BeforeAll
    static void start() throws Exception {
        core = TestCore.start(List.of(new GatewayModule(), new CdcModule(), rules, new io.omniglass.core.alarms.AlarmsModule(), similar));
        Tenant tenant = core.createTenant("sim");
        db = core.core().context().tenantDataSource(tenant);
        new PlantImporter(db).importPlant(PlantDescription.parseTree(SimilarHistory.PLANT), "test", "sim");
        exec("INSERT INTO source_rule (name) VALUES ('sim-poll') ON CONFLICT DO NOTHING");
        history = new SimilarHistory(db);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        wear1Old = history.occurrence("pump-1", "pump-temperature-high", now.minus(Duration.ofHours(120)), SimilarHistory.BEARING);
        history.acked(wear1Old, "olga", "bearing wear: greased the bearing", Duration.ofMinutes(4));
        history.cleared(wear1Old, Duration.ofMinutes(40));
        surge3 = history.occurrence("pump-3", "pump-flow-high", now.minus(Duration.ofHours(108)), SimilarHistory.SURGE);
        history.acked(surge3, "olga", "valve test", Duration.ofMinutes(2));
        wear2 = history.occurrence("pump-2", "pump-temperature-high", now.minus(Duration.ofHours(96)), SimilarHistory.BEARING);
        history.acked(wear2, "piet", "bearing replaced", Duration.ofMinutes(9));
        history.commanded(wear2, "component:valve-1", "position", "{\"owner\": \"component:valve-1\", \"key\": \"position\", \"value\": \"closed\"}");
        wear9 = history.occurrence("pump-9", "pump-temperature-high", now.minus(Duration.ofHours(72)), SimilarHistory.BEARING);
        hot2 = history.occurrence("pump-2", "pump-temperature-high", now.minus(Duration.ofHours(60)), SimilarHistory.HOT_START);
        history.acked(hot2, "olga", "cold start after maintenance", Duration.ofMinutes(1));
        surge4 = history.occurrence("pump-4", "pump-flow-high", now.minus(Duration.ofHours(48)), SimilarHistory.SURGE);
        wear1Now = history.occurrence("pump-1", "pump-temperature-high", now.minus(Duration.ofHours(2)), SimilarHistory.BEARING);
        // the raises were written behind the worker's back (as before the feature): the backfill finds them
        similar.backfill("sim");
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void theExtensionIsCreatedAndEveryRaiseHasAFingerprint() {
        assertThat(text(db, "SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
                .as("CREATE EXTENSION vector on the embedded Postgres (run packaging/pgvector/build.sh if this is null)")
                .isEqualTo("0.8.0");
        Long[] raises = {wear1Old, surge3, wear2, wear9, hot2, surge4, wear1Now};
        assertThat(count(db, "SELECT count(*) FROM alarm_fingerprint WHERE embedding IS NOT NULL AND recipe_version = 1"
                + " AND samples > 0 AND event_id = ANY (?)", (Object) raises)).isEqualTo(7);
        assertThat(count(db, "SELECT vector_dims(embedding) FROM alarm_fingerprint WHERE event_id = ?", wear1Now))
                .isEqualTo(FingerprintRecipe.DIMENSIONS);
        assertThat(text(db, "SELECT array_to_string(keys, ',') FROM alarm_fingerprint WHERE event_id = ?", wear1Now))
                .isEqualTo("temperature,flow,pressure,,,,,");
        // the first occurrence of pump-1's alarm ends where the second begins
        assertThat(count(db, """
                SELECT count(*) FROM alarm_fingerprint f JOIN event e ON e.id = ?
                WHERE f.event_id = ? AND f.occurred_until = e.ts""", wear1Now, wear1Old)).isEqualTo(1);
    }

    @Test
    void theEarlierOccurrencesOfARecurringFaultRankAboveUnrelatedAlarms() throws Exception {
        SimilarAlarms answer = core.admin().similarAlarms("sim", history.alarmOf(wear1Now), 10, null);
        assertThat(answer.raiseEventId()).isEqualTo(wear1Now);
        List<Long> order = answer.similar().stream().map(SimilarAlarm::raiseEventId).toList();
        assertThat(order).hasSize(6);
        assertThat(order.subList(0, 3)).containsExactlyInAnyOrder(wear1Old, wear2, wear9);
        assertThat(order.subList(3, 6)).containsExactlyInAnyOrder(surge3, surge4, hot2);
        assertThat(answer.similar().get(2).distance()).isLessThan(answer.similar().get(3).distance());

        SimilarAlarm first = byEvent(answer, wear1Old);
        assertThat(first.ackReason()).isEqualTo("bearing wear: greased the bearing");
        assertThat(first.ackedBy()).isEqualTo("olga");
        assertThat(first.ended()).isEqualTo("cleared");
        assertThat(first.clearedAt()).isNotNull();
        SimilarAlarm second = byEvent(answer, wear2);
        assertThat(second.ackReason()).isEqualTo("bearing replaced");
        assertThat(second.ended()).isEqualTo("raised_again"); // pump-2's alarm was raised again by the hot start
        assertThat(second.actions()).singleElement().satisfies(a -> {
            assertThat(a.owner()).isEqualTo("component:valve-1");
            assertThat(a.status()).isEqualTo("confirmed");
        });
        assertThat(byEvent(answer, wear9).ackReason()).isNull();
        assertThat(byEvent(answer, wear9).ended()).isEqualTo("active");
        assertThat(answer.leadUp()).hasSize(FingerprintRecipe.DIMENSIONS);
    }

    @Test
    void relationalFiltersNarrowTheSameStatement() {
        long alarm = alarmOf(wear1Now);
        List<Long> acked = core.admin().similarAlarms("sim", alarm, 10, "same_rule = true and acked = true")
                .similar().stream().map(SimilarAlarm::raiseEventId).toList();
        // hot2 was acknowledged and is the same rule, but its lead-up is another shape: last
        assertThat(acked).containsExactlyInAnyOrder(wear1Old, wear2, hot2).last().isEqualTo(hot2);
        List<Long> recent = core.admin().similarAlarms("sim", alarm, 10,
                        "raised_at > \"" + Instant.now().minus(Duration.ofHours(80)) + "\" and rule = pump-flow-high")
                .similar().stream().map(SimilarAlarm::raiseEventId).toList();
        assertThat(recent).containsExactly(surge4);
        assertThat(core.admin().similarAlarms("sim", alarm, 2, null).similar()).hasSize(2);
    }

    @Test
    void badRequestsAreFourHundredsWithAMessage() throws Exception {
        long alarm = alarmOf(wear1Now);
        HttpResponse<String> badField = get("/api/v1/tenants/sim/alarms/" + alarm + "/similar?filter=colour%20%3D%20red", core.adminToken());
        assertThat(badField.statusCode()).isEqualTo(400);
        assertThat(badField.body()).contains("colour");
        assertThat(get("/api/v1/tenants/sim/alarms/" + alarm + "/similar?limit=1000", core.adminToken()).statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/tenants/sim/alarms/abc/similar", core.adminToken()).statusCode()).isEqualTo(400);
        assertThat(get("/api/v1/tenants/sim/alarms/999999/similar", core.adminToken()).statusCode()).isEqualTo(404);
        assertThat(get("/api/v1/openapi.json", core.adminToken()).body()).contains("/api/v1/tenants/{t}/alarms/{id}/similar");
    }

    @Test
    @Order(Integer.MAX_VALUE) // its bulk rows (rolled back) are WAL the change feed must read through: last
    void theHnswIndexServesTheFilteredSearch() throws Exception {
        // enough rows of the same rule that a scan of them would cost more than the index (for a
        // handful the planner rightly takes the rule's btree index and sorts)
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.execute("""
                    WITH ev AS (
                        INSERT INTO event (ts, name, origin, owner_kind, component_id, event_rule_id, event_rule_version, severity)
                        SELECT now() - interval '300 hours', 'synthetic.raise', 'rule', 'component', 'pump-3',
                               (SELECT id FROM event_rule WHERE name = 'pump-temperature-high'), 1, 'warning'
                        FROM generate_series(1, 3000) RETURNING id)
                    INSERT INTO alarm_fingerprint (event_id, alarm_id, event_rule_id, owner_kind, component_id, raised_at,
                                                   occurred_from, recipe_version, keys, samples, lead_up)
                    SELECT ev.id, (SELECT alarm_id FROM alarm_fingerprint WHERE event_id = %d),
                           (SELECT id FROM event_rule WHERE name = 'pump-temperature-high'), 'component', 'pump-3',
                           now() - interval '300 hours', now() - interval '300 hours', 1,
                           '{flow,pressure,temperature,"","","","",""}', 1,
                           (SELECT array_agg((random() - 0.5)::real) FROM generate_series(1, 96) g WHERE g > ev.id * 0)
                    FROM ev""".formatted(surge3));
            st.execute("ANALYZE alarm_fingerprint");
            DSLContext tx = DSL.using(c, SQLDialect.POSTGRES);
            var q = tx.selectFrom(io.omniglass.schema.tenant.Tables.ALARM_FINGERPRINT)
                    .where(io.omniglass.schema.tenant.Tables.ALARM_FINGERPRINT.EVENT_ID.eq(wear1Now)).fetchOne();
            String plan = String.join("\n", tx.fetch("EXPLAIN " + tx.renderInlined(SimilarSearch.top(q,
                    io.omniglass.core.gateway.Filter.parse("same_rule = true", SimilarSearch.fields(q)), 10)))
                    .getValues(0, String.class));
            c.rollback();
            assertThat(plan).as(plan).contains("Index Scan using " + SimilarSchema.INDEX);
        }
    }

    @Test
    void aSystemScopedTokenNeverSeesSimilarAlarmsOutsideItsSubtree() throws Exception {
        String token = core.admin().createToken(new CreateTokenRequest("viewer", "sim", "system:loop", "lena")).token();
        OmniglassClient loop = core.client(token);
        List<SimilarAlarm> seen = loop.similarAlarms("sim", alarmOf(wear1Now), 100, null).similar();
        assertThat(seen).isNotEmpty();
        assertThat(seen).extracting(SimilarAlarm::owner).doesNotContain("component:pump-9")
                .allMatch(o -> o.matches("component:pump-[1-4]"));
        assertThat(seen).extracting(SimilarAlarm::raiseEventId).doesNotContain(wear9);
        // pump-9's own alarm is outside the subtree: as if it did not exist
        assertThat(get("/api/v1/tenants/sim/alarms/" + alarmOf(wear9) + "/similar", token).statusCode()).isEqualTo(404);
    }

    @Test
    @Order(1)
    void aLiveRaiseIsFingerprintedRightAfterItCommits() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> rules.serving("sim"));
        rules.reload("sim");
        long before = count(db, "SELECT count(*) FROM alarm_fingerprint");
        java.util.Queue<io.nats.client.Message> feed = new java.util.concurrent.ConcurrentLinkedQueue<>();
        io.nats.client.Dispatcher watching = core.core().context().nats().createDispatcher(feed::add);
        watching.subscribe("og.sim.cdc.>");
        RulesFixture.metric(core.core().context().nats(), "sim", "component:pump-4", "temperature",
                Instant.now().minusSeconds(5), 97.0, null, null);
        // through the change feed: rules commit, CDC publishes the event row, the worker stores it
        await().atMost(Duration.ofSeconds(60)).until(() -> count(db, """
                SELECT count(*) FROM alarm_fingerprint f JOIN event e ON e.id = f.event_id
                WHERE e.name = 'alarm.raised' AND f.owner = 'component:pump-4' AND f.event_rule_id =
                      (SELECT id FROM event_rule WHERE name = 'pump-temperature-high')""") == 1);
        assertThat(count(db, "SELECT count(*) FROM alarm_fingerprint")).isGreaterThan(before);
        // a record-lane commit after the fingerprint: the feed is in commit order, so once it is
        // there a published fingerprint would be too
        exec("INSERT INTO source_rule (name) VALUES ('sim-after-fingerprint')");
        io.omniglass.core.cdc.CdcWakeups.committed("sim");
        await().atMost(Duration.ofSeconds(30)).until(() -> feed.stream().anyMatch(m -> m.getSubject().equals("og.sim.cdc.source_rule")
                && new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8).contains("sim-after-fingerprint")));
        core.core().context().nats().closeDispatcher(watching);
        List<String> subjects = feed.stream().map(io.nats.client.Message::getSubject).distinct().toList();
        // the raise itself is a record; its fingerprint is a projection of it, not published again
        assertThat(subjects).contains("og.sim.cdc.alarm", "og.sim.cdc.event").doesNotContain("og.sim.cdc.alarm_fingerprint");
    }

    @Test
    void withoutTheExtensionTheEndpointSaysSoAndEverythingElseRuns() throws Exception {
        // a tenant database as on a Postgres without pgvector: the extension (and with it the column) gone
        Tenant plain = core.createTenant("plain");
        DataSource plainDb = core.core().context().tenantDataSource(plain);
        new PlantImporter(plainDb).importPlant(PlantDescription.parseTree(SimilarHistory.PLANT), "test", "plain");
        // after this core's start-up step for the tenant (it would create the extension again)
        await().atMost(Duration.ofSeconds(30)).until(() -> similar.db("plain").isPresent());
        try (Connection c = plainDb.getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO source_rule (name) VALUES ('sim-poll') ON CONFLICT DO NOTHING");
            st.execute("DROP EXTENSION vector CASCADE");
        }
        SimilarHistory plainHistory = new SimilarHistory(plainDb);
        long raise = plainHistory.occurrence("pump-1", "pump-temperature-high", Instant.now().minus(Duration.ofHours(1)),
                SimilarHistory.BEARING);
        long alarm = plainHistory.alarmOf(raise);
        HttpResponse<String> r = get("/api/v1/tenants/plain/alarms/" + alarm + "/similar", core.adminToken());
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).contains("pgvector").contains("packaging/pgvector/build.sh");
        assertThat(get("/api/v1/tenants/plain/alarms/" + alarm, core.adminToken()).statusCode()).isEqualTo(200);
        // the fingerprint itself does not need the extension: it is there for when pgvector comes
        assertThat(FingerprintStore.fingerprint(DSL.using(plainDb, SQLDialect.POSTGRES), raise))
                .isIn(FingerprintStore.Outcome.STORED, FingerprintStore.Outcome.ALREADY_THERE);
        assertThat(count(plainDb, "SELECT samples FROM alarm_fingerprint WHERE event_id = ?", raise))
                .as("3 keys every 10 s over (raise - 30 min, raise]: the datapoint at the window's open end is outside")
                .isEqualTo(3 * 180);
        assertThat(SimilarSchema.ensure(plainDb::getConnection)).as("the start-up step brings pgvector back where the server has it").isTrue();
        assertThat(count(plainDb, "SELECT count(*) FROM alarm_fingerprint WHERE embedding IS NOT NULL AND event_id = ?", raise))
                .isEqualTo(1);
    }

    private static SimilarAlarm byEvent(SimilarAlarms answer, long event) {
        return answer.similar().stream().filter(s -> s.raiseEventId() == event).findFirst().orElseThrow();
    }

    private static long alarmOf(long event) {
        try {
            return history.alarmOf(event);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(core.httpUrl() + path))
                .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void exec(String sql) throws Exception {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
