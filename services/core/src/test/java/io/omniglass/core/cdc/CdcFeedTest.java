package io.omniglass.core.cdc;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The feed of one core against a real Postgres and nats-server: content, order, types, schema changes, idle slots. */
class CdcFeedTest {

    static TestCore core;
    static CdcModule cdc;
    static Tenant tenant;
    static DataSource db;

    @BeforeAll
    static void start() {
        cdc = new CdcModule();
        core = TestCore.start(List.of(cdc));
        tenant = core.createTenant("feed");
        db = core.core().context().tenantDataSource(tenant);
        await().atMost(Duration.ofSeconds(30)).until(() -> cdc.leaderCount() == 1);
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    String natsUrl() {
        return core.core().context().infrastructure().natsUrl();
    }

    List<CdcFeed.Change> feed(Set<String> tables) throws Exception {
        return CdcFeed.readAll(natsUrl(), tenant.slug()).stream().filter(c -> tables.contains(c.table())).toList();
    }

    /** What the test committed, in commit order: table, op and key id. */
    record Expected(String table, String op, long id) {
    }

    @Test
    void committedChangesArriveOnceInCommitOrderEqualToTheRows() throws Exception {
        List<Expected> expected = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            for (int t = 0; t < 40; t++) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO audit_log (actor, verb, resource, old, new, correlation_id) VALUES (?, ?, ?, ?::jsonb, ?::jsonb, ?) RETURNING id")) {
                    for (int i = 0; i < 25; i++) {
                        ps.setString(1, "user-" + t);
                        ps.setString(2, "write");
                        ps.setString(3, "thing/" + t + "/" + i + " \"quoted\" ünïcode");
                        ps.setString(4, i % 3 == 0 ? null : "{\"v\": " + i + ", \"list\": [1, 2.5, \"x\"]}");
                        ps.setString(5, "{\"v\": " + (i + 1) + "}");
                        ps.setString(6, i % 2 == 0 ? null : "corr-" + t);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            expected.add(new Expected("audit_log", "insert", rs.getLong(1)));
                        }
                    }
                }
                long configId;
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO config (owner, key, value) VALUES ('component:pump-' || ?, 'setpoint', ?::jsonb) RETURNING id")) {
                    ps.setInt(1, t);
                    ps.setString(2, "{\"bar\": " + t + "}");
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        configId = rs.getLong(1);
                    }
                }
                expected.add(new Expected("config", "insert", configId));
                if (t % 4 == 1) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE config SET value = '{\"bar\": -1}' WHERE id = ?")) {
                        ps.setLong(1, configId);
                        ps.executeUpdate();
                    }
                    expected.add(new Expected("config", "update", configId));
                }
                if (t % 4 == 2) {
                    try (PreparedStatement ps = c.prepareStatement("DELETE FROM config WHERE id = ?")) {
                        ps.setLong(1, configId);
                        ps.executeUpdate();
                    }
                    expected.add(new Expected("config", "delete", configId));
                }
                c.commit();
            }
        }
        Set<String> tables = Set.of("audit_log", "config");
        await().atMost(Duration.ofSeconds(30)).until(() -> feed(tables).size() >= expected.size());
        Thread.sleep(500); // anything beyond the expected count would be a duplicate: give it a chance to show
        List<CdcFeed.Change> feed = feed(tables);

        assertThat(feed.stream().map(ch -> new Expected(ch.table(), ch.op(), ch.body().get("key").get("id").asLong())).toList())
                .containsExactlyElementsOf(expected);
        assertThat(new HashSet<>(feed.stream().map(CdcFeed.Change::msgId).toList())).hasSize(feed.size());
        for (CdcFeed.Change ch : feed) {
            assertThat(ch.subject()).isEqualTo("og.feed.cdc." + ch.table());
            assertThat(ch.msgId()).isEqualTo(ch.body().get("lsn").asText() + ":" + ch.msgId().substring(ch.msgId().indexOf(':') + 1));
        }
        // commit order: LSNs never go back, and a transaction's changes are contiguous
        for (int i = 1; i < feed.size(); i++) {
            assertThat(lsn(feed.get(i).body().get("lsn").asText())).isGreaterThanOrEqualTo(lsn(feed.get(i - 1).body().get("lsn").asText()));
        }
        // the rows as Postgres holds them
        try (Connection c = db.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, ts, actor, verb, resource, old::text, new::text, correlation_id FROM audit_log ORDER BY id")) {
            java.util.Map<Long, JsonNode> byId = new java.util.HashMap<>();
            for (CdcFeed.Change ch : feed) {
                if (ch.table().equals("audit_log")) {
                    byId.put(ch.row().get("id").asLong(), ch.row());
                }
            }
            int compared = 0;
            while (rs.next()) {
                JsonNode row = byId.get(rs.getLong(1));
                if (row == null) {
                    continue; // audit rows of other tests
                }
                compared++;
                assertThat(Instant.parse(row.get("ts").asText())).isEqualTo(rs.getObject(2, OffsetDateTime.class).toInstant());
                assertThat(row.get("actor").asText()).isEqualTo(rs.getString(3));
                assertThat(row.get("verb").asText()).isEqualTo(rs.getString(4));
                assertThat(row.get("resource").asText()).isEqualTo(rs.getString(5));
                assertThat(row.get("old")).isEqualTo(rs.getString(6) == null ? CdcFeed.JSON.nullNode() : CdcFeed.JSON.readTree(rs.getString(6)));
                assertThat(row.get("new")).isEqualTo(CdcFeed.JSON.readTree(rs.getString(7)));
                assertThat(row.get("correlation_id").isNull() ? null : row.get("correlation_id").asText()).isEqualTo(rs.getString(8));
            }
            assertThat(compared).isEqualTo(1000);
        }
        CdcFeed.Change delete = feed.stream().filter(ch -> ch.op().equals("delete")).findFirst().orElseThrow();
        assertThat(delete.row().isNull()).isTrue();
        CdcFeed.Change update = feed.stream().filter(ch -> ch.op().equals("update")).findFirst().orElseThrow();
        assertThat(update.row().get("value").get("bar").asInt()).isEqualTo(-1);
        assertThat(update.body().get("xid").asLong()).isPositive();
        assertThat(Instant.parse(update.body().get("commit_ts").asText())).isBefore(Instant.now());
    }

    @Test
    void postgresTypesBecomeJson() throws Exception {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE TYPE cdc_mood AS ENUM ('calm', 'angry')");
            st.execute("""
                    CREATE TABLE cdc_types (id int PRIMARY KEY, b bool, i2 int2, i8 int8, f8 float8, fnan float8,
                      n numeric, j json, jb jsonb, ts timestamptz, tsl timestamp, d date, by bytea, arr text[],
                      u uuid, mood cdc_mood, big text)""");
            st.execute("ALTER PUBLICATION og_cdc ADD TABLE cdc_types");
            st.execute("""
                    INSERT INTO cdc_types VALUES (1, true, -7, 9007199254740993, 1.5, 'NaN', 12345678901234567890.123,
                      '{"a": [1, {"b": null}]}', '{"z": 1, "a": "x"}', '2026-11-21 07:00:00.123456+00',
                      '2026-11-21 07:00:00', '2026-11-21', '\\x0102ff', '{a,"b c"}',
                      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'angry',
                      (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 4000) g))""");
            // a big value left untouched by an update travels as unchanged TOAST
            st.execute("UPDATE cdc_types SET i2 = 8 WHERE id = 1");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> feed(Set.of("cdc_types")).size() == 2);
        List<CdcFeed.Change> feed = feed(Set.of("cdc_types"));
        JsonNode row = feed.get(0).row();
        assertThat(row.get("b").isBoolean()).isTrue();
        assertThat(row.get("i2").asInt()).isEqualTo(-7);
        assertThat(row.get("i8").isIntegralNumber()).isTrue();
        assertThat(row.get("i8").bigIntegerValue().toString()).isEqualTo("9007199254740993");
        assertThat(row.get("f8").asDouble()).isEqualTo(1.5);
        assertThat(row.get("fnan").asText()).isEqualTo("NaN");
        assertThat(row.get("n").decimalValue().toPlainString()).isEqualTo("12345678901234567890.123");
        assertThat(row.get("j").get("a").get(1).get("b").isNull()).isTrue();
        assertThat(row.get("jb").get("z").asInt()).isEqualTo(1);
        assertThat(row.get("ts").asText()).isEqualTo("2026-11-21T07:00:00.123456Z");
        assertThat(row.get("tsl").asText()).isEqualTo("2026-11-21T07:00:00");
        assertThat(row.get("d").asText()).isEqualTo("2026-11-21");
        assertThat(row.get("by").asText()).isEqualTo("AQL/");
        assertThat(row.get("arr").asText()).isEqualTo("{a,\"b c\"}");
        assertThat(row.get("u").asText()).isEqualTo("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
        assertThat(row.get("mood").asText()).isEqualTo("angry");
        assertThat(row.get("big").asText()).hasSize(128000);
        JsonNode updated = feed.get(1).body();
        assertThat(updated.get("row").get("i2").asInt()).isEqualTo(8);
        assertThat(updated.get("row").has("big")).isFalse();
        assertThat(updated.get("unchanged_toast").get(0).asText()).isEqualTo("big");

        // a row too large for one NATS message (max_payload 8 MB here) still has its place on the feed
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO cdc_types (id, big) SELECT 2, string_agg(md5(g::text), '') FROM generate_series(1, 300000) g");
            st.execute("INSERT INTO cdc_types (id) VALUES (3)");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> feed(Set.of("cdc_types")).size() == 4);
        feed = feed(Set.of("cdc_types"));
        assertThat(feed.get(2).body().get("key").get("id").asInt()).isEqualTo(2);
        assertThat(feed.get(2).body().get("too_large").asBoolean()).isTrue();
        assertThat(feed.get(2).row().isNull()).isTrue();
        assertThat(feed.get(3).row().get("id").asInt()).isEqualTo(3);

        // with REPLICA IDENTITY FULL the previous row travels as "old"; a truncate is one message
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("ALTER TABLE cdc_types REPLICA IDENTITY FULL");
            st.execute("UPDATE cdc_types SET i2 = 9 WHERE id = 3");
            st.execute("DELETE FROM cdc_types WHERE id = 3");
            st.execute("TRUNCATE cdc_types");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> feed(Set.of("cdc_types")).size() == 7);
        feed = feed(Set.of("cdc_types"));
        JsonNode fullUpdate = feed.get(4).body();
        assertThat(fullUpdate.get("op").asText()).isEqualTo("update");
        assertThat(fullUpdate.get("old").get("i2").isNull()).isTrue();
        assertThat(fullUpdate.get("row").get("i2").asInt()).isEqualTo(9);
        JsonNode fullDelete = feed.get(5).body();
        assertThat(fullDelete.get("op").asText()).isEqualTo("delete");
        assertThat(fullDelete.get("old").get("i2").asInt()).isEqualTo(9);
        assertThat(fullDelete.get("row").isNull()).isTrue();
        JsonNode truncate = feed.get(6).body();
        assertThat(truncate.get("op").asText()).isEqualTo("truncate");
        assertThat(truncate.get("key").isNull()).isTrue();
    }

    @Test
    void anAddedColumnIsCarriedAfterTheSchemaChange() throws Exception {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO config (owner, key, value) VALUES ('global', 'before', '1')");
            st.execute("ALTER TABLE config ADD COLUMN note text DEFAULT 'n/a'");
            st.execute("INSERT INTO config (owner, key, value, note) VALUES ('global', 'after', '2', 'fresh')");
            st.execute("UPDATE config SET value = '3' WHERE key = 'before'");
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> feed(Set.of("config")).stream()
                .filter(ch -> ch.row() != null && ch.row().has("key") && ch.row().get("key").asText().matches("before|after")).count() == 3);
        List<JsonNode> rows = feed(Set.of("config")).stream().map(CdcFeed.Change::row)
                .filter(r -> r != null && r.has("key") && r.get("key").asText().matches("before|after")).toList();
        assertThat(rows.get(0).has("note")).isFalse();
        assertThat(rows.get(1).get("note").asText()).isEqualTo("fresh");
        assertThat(rows.get(2).get("note").asText()).isEqualTo("n/a");
        assertThat(rows.get(2).get("value").asInt()).isEqualTo(3);
    }

    @Test
    void anIdleSlotDoesNotHoldWalWrittenByOtherDatabases() throws Exception {
        io.omniglass.core.runtime.Infrastructure infra = core.core().context().infrastructure();
        infra.ensureDatabase("og_churn");
        long before = retainedWal();
        try (Connection c = java.sql.DriverManager.getConnection(infra.pg().jdbcUrl("og_churn"), infra.pg().user(), infra.pg().password());
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS churn (id bigserial PRIMARY KEY, pad text)");
            long start = currentWal(st);
            // about 64 MB of WAL in a database this slot does not decode
            while (currentWal(st) - start < 64L * 1024 * 1024) {
                st.execute("INSERT INTO churn (pad) SELECT repeat(md5(g::text), 30) FROM generate_series(1, 5000) g");
            }
            st.execute("CHECKPOINT"); // logs a running-xacts record the slot can move its restart point to
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
                assertThat(retainedWal()).isLessThan(16L * 1024 * 1024));
        assertThat(before).isLessThan(64L * 1024 * 1024);
    }

    /**
     * WAL held by the tenant's slot: either of its two names (an idle slot far behind is replaced
     * by the other one, docs/cdc.md#skipping-other-databases-wal), the most when both are there.
     */
    private long retainedWal() throws Exception {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn))::bigint FROM pg_replication_slots "
                        + "WHERE slot_name IN (?, ?)")) {
            ps.setString(1, tenant.slotName());
            ps.setString(2, io.omniglass.core.tenancy.Tenant.alternateSlotFor(tenant.slotName()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                long held = rs.getLong(1);
                assertThat(rs.wasNull()).as("the tenant has a slot").isFalse();
                return held;
            }
        }
    }

    private static long currentWal(Statement st) throws Exception {
        try (ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long lsn(String text) {
        int slash = text.indexOf('/');
        return (Long.parseLong(text.substring(0, slash), 16) << 32) | Long.parseLong(text.substring(slash + 1), 16);
    }
}
