package io.omniglass.core.cdc;

import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The skip of idle slots (docs/cdc.md#skipping-other-databases-wal): while another database writes
 * bulk WAL, a slot far behind whose tenant wrote nothing to its record lane is replaced by a new
 * one at the current position instead of decoding that WAL; a tenant that writes (through the core
 * or behind its back) loses nothing and gets nothing twice, in commit order; after a skip stopped
 * half-way (both slots there), the complete one is kept.
 */
class CdcSlotSkipTest {

    /** Small, so that a few seconds of bulk WAL make every idle slot a candidate. */
    static final long SKIP_BEHIND = 512L * 1024;
    static final String OTHER_DB = "skip_other";
    static TestInfra infra;
    static TestCore core;
    static Tenant crashed;
    static CdcModule cdc;
    static final List<String> crashedWrites = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        infra = TestInfra.start();
        try (Connection c = server(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + OTHER_DB);
        }
        try (Connection c = db(OTHER_DB); Statement st = c.createStatement()) {
            // shaped like the replay's datapoint tables: a two-column primary key
            st.execute("CREATE TABLE dp (series_id bigint, ts timestamptz, value double precision, PRIMARY KEY (series_id, ts))");
        }
        // a skip that stopped half-way (the core died after making the new slot): a core without
        // CDC makes the tenant, writes, then the alternate slot appears at a later position and more is written
        try (TestCore plain = TestCore.start(List.of(), infra.env())) {
            crashed = plain.createTenant("skipcrash");
            for (int i = 1; i <= 3; i++) {
                crashedWrites.add(plainCommit(crashed, "before-" + i));
            }
            try (Connection c = db(crashed.databaseName()); PreparedStatement ps = c.prepareStatement(
                    "SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
                ps.setString(1, Tenant.alternateSlotFor(crashed.slotName()));
                ps.execute();
            }
            for (int i = 1; i <= 3; i++) {
                crashedWrites.add(plainCommit(crashed, "after-" + i));
            }
        }
        CdcSettings settings = new CdcSettings(2, 4, Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 32L * 1024 * 1024, 2, Duration.ofSeconds(3), SKIP_BEHIND);
        cdc = new CdcModule(settings);
        core = TestCore.start(List.of(cdc), infra.env());
        core.createTenant("skipidle");
        core.createTenant("skiplive");
        await().atMost(Duration.ofSeconds(60)).until(() -> cdc.leaderCount() == 3);
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
        if (infra != null) {
            infra.close();
        }
    }

    @Test
    void bothSlotsAtStartKeepTheCompleteOneAndLoseNothing() throws Exception {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(resources(crashed, "before-", "after-")).containsExactlyElementsOf(crashedWrites));
        // the changes before the alternate slot's position came: the slot that confirmed less was kept
        // (the feed may have been skipped since, legitimately, while another test wrote bulk WAL)
        assertThat(slots(crashed)).as("one slot left").hasSize(1);
        // and the feed goes on from it
        crashedWrites.add(plainCommit(crashed, "after-4"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(resources(crashed, "before-", "after-")).containsExactlyElementsOf(crashedWrites));
    }

    @Test
    void anIdleSlotIsSkippedPastOtherDatabasesWal() throws Exception {
        Tenant idle = core.core().context().tenants().find("skipidle").orElseThrow();
        List<String> committed = new ArrayList<>();
        double skipsBefore = skips("skipped");
        String before = null;
        long bulkFrom = 0;
        // A drain that happens to start while the bulk WAL is still under the threshold may carry the
        // slot through it legitimately (a busy CI machine); the skip then comes with the next round.
        for (int round = 1; round <= 3 && (before == null || slots(idle).contains(before)); round++) {
            committed.add(coreCommit(idle, "idle-" + round)); // a drain, which takes the slot's watermark
            await().atMost(Duration.ofSeconds(60)).until(() -> resources(idle, "idle-").equals(committed));
            before = slots(idle).get(0);
            bulkFrom = bulk(bulkFrom, 40); // ~40 MB of another database's WAL, then quiet
            String old = before;
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> !slots(idle).contains(old));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // not skipped in this round: try the next
            }
        }
        String old = before;
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<String> now = slots(idle);
            assertThat(now).as("the old slot is gone, the feed is on the other one").hasSize(1).doesNotContain(old);
            assertThat(behind(now.get(0))).as("the new slot's unconfirmed WAL").isLessThan(SKIP_BEHIND);
        });
        assertThat(skips("skipped")).isGreaterThan(skipsBefore);
        // nothing was lost, and the feed goes on from the new slot
        committed.add(coreCommit(idle, "idle-after-1"));
        committed.add(plainCommit(idle, "idle-after-2"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(resources(idle, "idle-")).containsExactlyElementsOf(committed));
    }

    /**
     * A transaction of another database that runs longer than a new slot may take to become
     * consistent (a bulk load; on a busy machine even a 40 MB insert): the skip is deferred, not
     * replaced by a drain that would decode all of that WAL; once the transaction ended, the slot
     * is skipped, and nothing is lost.
     */
    @Test
    void aLongTransactionElsewhereDefersTheSkipInsteadOfDecodingItsWal() throws Exception {
        Tenant t = core.createTenant("skiplong");
        List<String> committed = new ArrayList<>();
        String before = null;
        boolean tried = false;
        // A just-made tenant's feed may still be woken by the core's own commits in its database, and a
        // commit drain is never deferred: it carries the slot through the open transaction's WAL, and
        // no try comes (CI's failure: no creation within 60 s). The try then comes in the next round.
        for (int round = 1; round <= 3 && !tried; round++) {
            holdWatermark(t, "long-", committed);
            before = slots(t).get(0);
            double deferredBefore = skips("deferred");
            try (Connection c = db(OTHER_DB)) {
                c.setAutoCommit(false);
                bulkIn(c, 3_500_000_000L + round * 100_000_000L, 8); // ~8 MB of WAL the slot is behind by, in a transaction left open
                // the feed's try begins (its new slot waits for this transaction) and gives up at its timeout
                try {
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> creating(t.databaseName()));
                    tried = true;
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    assertThat(behind(slots(t).get(0))).as("no try, so a commit drain carried the slot").isLessThan(SKIP_BEHIND);
                    c.commit();
                    continue;
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> !creating(t.databaseName()));
                Thread.sleep(3_000); // a few sweeps, each of which wakes the feed
                assertThat(slots(t)).as("still on its slot").containsExactly(before);
                assertThat(behind(before)).as("the slot was not drained through").isGreaterThan(SKIP_BEHIND);
                assertThat(skips("deferred")).isGreaterThan(deferredBefore);
                c.commit();
            }
        }
        assertThat(tried).as("a skip was tried while the transaction ran").isTrue();
        String old = before;
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<String> now = slots(t);
            assertThat(now).as("skipped once the transaction ended").hasSize(1).doesNotContain(old);
            assertThat(behind(now.get(0))).isLessThan(SKIP_BEHIND);
        });
        committed.add(coreCommit(t, "long-after-1"));
        committed.add(plainCommit(t, "long-after-2"));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(resources(t, "long-")).containsExactlyElementsOf(committed));
    }

    @Test
    void writesAtRandomMomentsWhileTheSlotIsSkippedArriveOnceInCommitOrder() throws Exception {
        Tenant live = core.core().context().tenants().find("skiplive").orElseThrow();
        double skipsBefore = skips("skipped");
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread bulk = new Thread(() -> {
            long from = 1_000_000_000L;
            while (writing.get()) {
                try {
                    from = bulk(from, 2);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        }, "skip-test-bulk");
        bulk.start();
        List<String> committed = new ArrayList<>();
        List<String> slotsSeen = new ArrayList<>();
        Random random = new Random(11);
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        try {
            for (int i = 1; System.nanoTime() < until || slotsSeen.size() < 3; i++) {
                // through the core (which wakes the feed), or from elsewhere (only the sweep notices),
                // one statement or two in one transaction
                String r = "live-" + i;
                switch (random.nextInt(3)) {
                    case 0 -> committed.add(coreCommit(live, r));
                    case 1 -> committed.add(plainCommit(live, r));
                    default -> committed.addAll(plainCommitTwo(live, r));
                }
                long pause = System.nanoTime() + random.nextInt(3000) * 1_000_000L;
                while (System.nanoTime() < pause) {
                    List<String> s = slots(live);
                    if (s.size() == 1 && (slotsSeen.isEmpty() || !slotsSeen.get(slotsSeen.size() - 1).equals(s.get(0)))) {
                        slotsSeen.add(s.get(0));
                    }
                    Thread.sleep(50);
                }
                assertThat(System.nanoTime() - until).as("the live slot was not skipped twice in time; seen: " + slotsSeen)
                        .isLessThan(Duration.ofSeconds(240).toNanos());
            }
        } finally {
            writing.set(false);
            bulk.join();
        }
        await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                assertThat(resources(live, "live-")).as("every committed change once, in commit order")
                        .containsExactlyElementsOf(committed));
        assertThat(slotsSeen).as("the feed moved between its two slots while written").hasSizeGreaterThanOrEqualTo(3);
        assertThat(skips("skipped")).isGreaterThan(skipsBefore);
    }

    /**
     * The skip's second check, step by step on a database of its own (no core leads it): a
     * transaction that ran when the new slot was begun writes the record lane and commits before
     * that slot is consistent; the new slot would not have it, so the skip must keep the old one.
     */
    @Test
    void aRecordLaneWriteWhileTheNewSlotIsMadeKeepsTheOldSlot() throws Exception {
        try (Connection c = server(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE skip_unit");
        }
        try (Connection c = db("skip_unit"); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE audit (id bigserial PRIMARY KEY, resource text)");
            st.execute("CREATE TABLE side (x int)");
            st.execute("CREATE SEQUENCE og_cdc_writes CACHE 1");
            st.execute("""
                    CREATE FUNCTION og_cdc_wrote() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN PERFORM nextval('og_cdc_writes'); RETURN NULL; END $$""");
            st.execute("CREATE TRIGGER og_cdc_writes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON audit"
                    + " FOR EACH STATEMENT EXECUTE FUNCTION og_cdc_wrote()");
            st.execute("CREATE PUBLICATION og_cdc FOR TABLE audit");
            st.execute("SELECT pg_create_logical_replication_slot('og_cdc_unit', 'pgoutput')");
        }
        PgServer pg = infra.infrastructure().pg();
        org.postgresql.ds.PGSimpleDataSource serverDs = new org.postgresql.ds.PGSimpleDataSource();
        serverDs.setUrl(pg.jdbcUrl("postgres"));
        serverDs.setUser(pg.user());
        serverDs.setPassword(pg.password());
        org.postgresql.ds.PGSimpleDataSource unitDs = new org.postgresql.ds.PGSimpleDataSource();
        unitDs.setUrl(pg.jdbcUrl("skip_unit"));
        unitDs.setUser(pg.user());
        unitDs.setPassword(pg.password());
        TenantFeed feed = new TenantFeed(new CdcSession.Source("unit", "og_cdc_unit", pg.jdbcUrl("skip_unit"), pg.user(),
                pg.password()), "skip_unit", pg, serverDs, unitDs, new CdcStats("unit", null));
        var timers = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
        try {
            SlotSkip skip = new SlotSkip(1, 32L * 1024 * 1024, timers, new StandbySnapshots(), null);
            bulk(2_000_000_000L, 4); // the other database's WAL the slot is behind by
            watermark(feed);
            try (Connection t = db("skip_unit")) {
                t.setAutoCommit(false);
                try (Statement st = t.createStatement()) {
                    st.execute("INSERT INTO side VALUES (1)"); // running (with an xid) when the new slot is begun
                }
                java.util.concurrent.CompletableFuture<SlotSkip.Outcome> skipped =
                        java.util.concurrent.CompletableFuture.supplyAsync(() -> skip.trySkip(feed, () -> true));
                // the new slot waits for this transaction to end before it is consistent
                await().atMost(Duration.ofSeconds(30)).until(() -> creating("skip_unit"));
                try (Statement st = t.createStatement()) {
                    st.execute("INSERT INTO audit (resource) VALUES ('in-between')");
                }
                t.commit();
                assertThat(skipped.get(60, java.util.concurrent.TimeUnit.SECONDS)).as("not skipped: drained")
                        .isEqualTo(SlotSkip.Outcome.DRAIN);
            }
            assertThat(feed.slot()).isEqualTo("og_cdc_unit");
            assertThat(slotsOf("skip_unit")).as("the new slot was dropped").containsExactly("og_cdc_unit");
            assertThat(pending(feed.slot())).as("the write is in the slot the feed reads").contains("in-between");

            // drained (as a drain would, to its end), quiet, and skipped: the feed moves to the other slot
            try (Connection c = db("skip_unit"); Statement st = c.createStatement()) {
                st.execute("SELECT count(*) FROM pg_logical_slot_get_binary_changes('og_cdc_unit', NULL, NULL,"
                        + " 'proto_version', '1', 'publication_names', 'og_cdc')");
            }
            watermark(feed);
            bulk(3_000_000_000L, 2);
            assertThat(skip.trySkip(feed, () -> true)).as("skipped").isEqualTo(SlotSkip.Outcome.SKIPPED);
            assertThat(feed.slot()).isEqualTo(Tenant.alternateSlotFor("og_cdc_unit"));
            assertThat(slotsOf("skip_unit")).containsExactly(feed.slot());
            try (Connection c = db("skip_unit"); Statement st = c.createStatement()) {
                st.execute("INSERT INTO audit (resource) VALUES ('after-skip')");
            }
            assertThat(pending(feed.slot())).contains("after-skip").doesNotContain("in-between");
        } finally {
            timers.shutdownNow();
        }
    }

    /** A watermark as a drain takes it: the counter, then the slot confirmed past every transaction that ran. */
    private static void watermark(TenantFeed feed) throws SQLException {
        try (Connection c = db("skip_unit"); Statement st = c.createStatement()) {
            long v;
            try (ResultSet rs = st.executeQuery(SlotSkip.COUNTER)) {
                rs.next();
                v = rs.getLong(1);
            }
            long lsn;
            try (ResultSet rs = st.executeQuery("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint")) {
                rs.next();
                lsn = rs.getLong(1);
            }
            feed.watermark = new SlotSkip.Watermark(feed.slot(), v, lsn);
            feed.behindBytes = Long.MAX_VALUE;
        }
    }

    /**
     * Commits through the core until the feed holds a watermark: a drain takes one once the tenant's
     * own transactions running at its start have ended (100 ms at most); a just-made tenant's database
     * is still busy with the core's own work, and on a loaded machine a drain may end without one.
     * Without it the feed is no candidate at all, and a test would wait for a try that never comes.
     */
    static void holdWatermark(Tenant t, String prefix, List<String> committed) throws Exception {
        for (int round = 1; round <= 5 && !cdc.holdsWatermark(t.slug()); round++) {
            committed.add(coreCommit(t, prefix + (committed.size() + 1)));
            await().atMost(Duration.ofSeconds(60)).until(() -> resources(t, prefix).equals(committed));
            try {
                await().atMost(Duration.ofSeconds(5)).until(() -> cdc.holdsWatermark(t.slug()));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // no watermark from this drain: the next round's commit drains again
            }
        }
        assertThat(cdc.holdsWatermark(t.slug())).as(t.slug() + " holds a watermark").isTrue();
    }

    private static boolean creating(String database) throws SQLException {
        try (Connection c = server(); PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = ? AND query LIKE 'SELECT pg_create_logical_replication_slot%'"
                        + " AND state = 'active'")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }

    private static List<String> slotsOf(String database) throws SQLException {
        try (Connection c = server(); PreparedStatement ps = c.prepareStatement(
                "SELECT slot_name FROM pg_replication_slots WHERE database = ? ORDER BY slot_name")) {
            ps.setString(1, database);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    /** What the slot would send (pgoutput, text values), as one string. */
    private static String pending(String slot) throws SQLException {
        try (Connection c = db("skip_unit"); PreparedStatement ps = c.prepareStatement(
                "SELECT data FROM pg_logical_slot_peek_binary_changes(?, NULL, NULL, 'proto_version', '1', 'publication_names', 'og_cdc')")) {
            ps.setString(1, slot);
            StringBuilder out = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.append(new String(rs.getBytes(1), java.nio.charset.StandardCharsets.ISO_8859_1)).append('\n');
                }
            }
            return out.toString();
        }
    }

    /** Writes about {@code mb} MB of WAL in the other database; returns where the next call starts. */
    static long bulk(long from, int mb) throws SQLException {
        try (Connection c = db(OTHER_DB)) {
            return bulkIn(c, from, mb);
        }
    }

    static long bulkIn(Connection c, long from, int mb) throws SQLException {
        long rows = mb * 6_000L; // ~165 bytes of WAL a row
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO dp SELECT i % 1000, '2026-01-01'::timestamptz + (i / 1000) * interval '1 minute', random()
                FROM generate_series(?::bigint, ?::bigint) i""")) {
            ps.setLong(1, from);
            ps.setLong(2, from + rows - 1);
            ps.executeUpdate();
        }
        return from + rows;
    }

    static String coreCommit(Tenant t, String resource) throws SQLException {
        try (Connection c = core.core().context().tenantDataSource(t).getConnection()) {
            insert(c, resource);
        }
        CdcWakeups.committed(t.slug()); // as the core's own writers do after a commit
        return resource;
    }

    /** Outside the core: a plain connection, no wake-up. */
    static String plainCommit(Tenant t, String resource) throws SQLException {
        try (Connection c = db(t.databaseName())) {
            insert(c, resource);
        }
        return resource;
    }

    static List<String> plainCommitTwo(Tenant t, String resource) throws SQLException {
        try (Connection c = db(t.databaseName())) {
            c.setAutoCommit(false);
            insert(c, resource + "a");
            insert(c, resource + "b");
            c.commit();
        }
        return List.of(resource + "a", resource + "b");
    }

    private static void insert(Connection c, String resource) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO audit_log (actor, verb, resource, new) VALUES ('skiptest', 'write', ?, '{}'::jsonb)")) {
            ps.setString(1, resource);
            ps.executeUpdate();
        }
    }

    /** The test's audit rows in the tenant's CDC stream, in stream order. */
    static List<String> resources(Tenant t, String... prefixes) throws Exception {
        return CdcFeed.readAll(infra.natsUrl(), t.slug()).stream()
                .filter(ch -> ch.table().equals("audit_log") && ch.op().equals("insert")
                        && ch.row().get("actor").asText().equals("skiptest"))
                .map(ch -> ch.row().get("resource").asText())
                .filter(r -> java.util.Arrays.stream(prefixes).anyMatch(r::startsWith))
                .toList();
    }

    /** The logical slots of the tenant's database. */
    static List<String> slots(Tenant t) throws SQLException {
        try (Connection c = server(); PreparedStatement ps = c.prepareStatement(
                "SELECT slot_name FROM pg_replication_slots WHERE database = ? ORDER BY slot_name")) {
            ps.setString(1, t.databaseName());
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    static long behind(String slot) throws SQLException {
        try (Connection c = server(); PreparedStatement ps = c.prepareStatement(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : Long.MAX_VALUE;
            }
        }
    }

    static double skips(String outcome) {
        var c = core.core().context().metrics().find("og_cdc_slot_skips").tag("outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    static Connection server() throws SQLException {
        return db("postgres");
    }

    static Connection db(String database) throws SQLException {
        PgServer pg = infra.infrastructure().pg();
        return DriverManager.getConnection(pg.jdbcUrl(database), pg.user(), pg.password());
    }
}
