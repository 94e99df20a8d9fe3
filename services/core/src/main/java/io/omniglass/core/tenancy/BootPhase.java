package io.omniglass.core.tenancy;

import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.FusionPolicy;
import io.omniglass.schema.tenant.enums.RegistryScope;
import io.omniglass.schema.tenant.enums.Severity;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static io.omniglass.schema.tenant.Tables.COMPONENT_TYPE;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.EVENT_TYPE;
import static io.omniglass.schema.tenant.Tables.INTERFACE_TYPE;
import static io.omniglass.schema.tenant.Tables.VARIABLE_TYPE;
import static org.jooq.impl.DSL.excluded;
import static org.jooq.impl.DSL.row;

/**
 * The idempotent boot phase of a tenant database (not a run-once migration): partitions ahead,
 * the CDC publication and replication slot, the official reference rows. Run on every start and
 * every provisioning; a fresh database and an existing one converge to the same state, and a
 * second run changes nothing.
 */
public final class BootPhase {

    private static final Logger log = LoggerFactory.getLogger(BootPhase.class);

    /** Tables that are not the record lane: the datapoint firehose travels on NATS already. */
    /**
     * Plain tables that are not records: the migrations' history and projections the core derives
     * again from the records (current values, rule state, alarm fingerprints). A fingerprint is
     * computed from a raise that the feed carried already; publishing it again cost every raise a
     * second drain and two ~2 kB messages, for nobody: nothing reads them from the feed.
     */
    private static final Set<String> NOT_RECORD_LANE =
            Set.of("flyway_schema_history", "series_latest", "event_rule_state", "alarm_fingerprint");
    /**
     * Partitioned tables that are on the record lane (tenant V210): the logs, partitioned so their
     * retention drops them whole. The datapoint tables are partitioned too, but are the data lane.
     */
    static final List<String> PARTITIONED_RECORD_LANE =
            List.of("audit_log", "collection_log", "internal_log", "node_log", "session_log");

    public static final int PARTITION_DAYS_BEHIND = 7;
    public static final int PARTITION_DAYS_AHEAD = 7;

    private BootPhase() {
    }

    public static void run(Tenant tenant, DataSource ds, ReferenceData reference) {
        if (tenant.databaseName().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Tenant.MAX_NAME_BYTES) {
            // created before V60: Postgres cut its name, so it shares the database of the tenant
            // whose name begins with the same 63 bytes (issue 16, finding 3)
            log.error("tenant {} was created before tenant names fit Postgres: its database {} is the same as the tenant"
                    + " whose database name starts with its first 63 bytes; move its data to a new tenant", tenant.slug(),
                    tenant.databaseName());
        }
        long[] at = new long[6];
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(true);
            at[0] = System.nanoTime();
            ensurePartitions(c, PARTITION_DAYS_BEHIND, PARTITION_DAYS_AHEAD);
            at[1] = System.nanoTime();
            ensurePublication(c);
            ensureWriteCounters(c);
            at[2] = System.nanoTime();
            ensureSlot(c, tenant.slotName(), Tenant.alternateSlotFor(tenant.slotName()));
            at[3] = System.nanoTime();
            upsertReference(DSL.using(c, SQLDialect.POSTGRES), reference);
            at[4] = System.nanoTime();
            healLatestIdentity(c);
            at[5] = System.nanoTime();
        } catch (SQLException e) {
            throw new IllegalStateException("boot phase of tenant " + tenant.slug() + " failed: " + e.getMessage(), e);
        }
        log.info("boot phase done for tenant {}: partitions {} ms, publication {} ms, slot {} ms, reference {} ms, latest {} ms",
                tenant.slug(), (at[1] - at[0]) / 1_000_000, (at[2] - at[1]) / 1_000_000, (at[3] - at[2]) / 1_000_000,
                (at[4] - at[3]) / 1_000_000, (at[5] - at[4]) / 1_000_000);
    }

    public static int ensurePartitions(Connection c, int daysBehind, int daysAhead) throws SQLException {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (PreparedStatement ps = c.prepareStatement("SELECT og_ensure_partitions(?, ?)")) {
            ps.setObject(1, today.minusDays(daysBehind));
            ps.setObject(2, today.plusDays(daysAhead));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    /**
     * Gives every series its latest row and every latest row its signal identity (V33). The series
     * triggers keep both; this repairs what a writer that bypassed them left (nothing, normally:
     * then it writes nothing).
     */
    static void healLatestIdentity(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("""
                    SELECT og_latest_identity(array_agg(s.id)) FROM series s
                    LEFT JOIN series_latest l ON l.series_id = s.id
                    WHERE l.series_id IS NULL OR l.owner IS NULL""");
        }
    }

    /** The record-lane tables: every plain table in public but the excluded ones, and the partitioned logs. */
    public static List<String> recordLaneTables(Connection c) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                     SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'public' AND NOT c.relispartition
                       AND (c.relkind = 'r' OR (c.relkind = 'p' AND c.relname = ANY (?)))
                     ORDER BY c.relname""")) {
            ps.setArray(1, c.createArrayOf("text", PARTITIONED_RECORD_LANE.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (!NOT_RECORD_LANE.contains(rs.getString(1))) {
                        tables.add(rs.getString(1));
                    }
                }
            }
        }
        return tables;
    }

    static void ensurePublication(Connection c) throws SQLException {
        List<String> wanted = recordLaneTables(c);
        Set<String> current = new TreeSet<>();
        boolean exists;
        boolean viaRoot = false;
        try (PreparedStatement ps = c.prepareStatement("SELECT pubviaroot FROM pg_publication WHERE pubname = ?")) {
            ps.setString(1, Tenant.publicationName());
            try (ResultSet rs = ps.executeQuery()) {
                exists = rs.next();
                if (exists) {
                    viaRoot = rs.getBoolean(1);
                }
            }
        }
        if (exists && !viaRoot) {
            // a log partition's changes are published under its parent's name (and listed so below)
            try (Statement st = c.createStatement()) {
                st.execute("ALTER PUBLICATION " + quote(Tenant.publicationName()) + " SET (publish_via_partition_root = true)");
            }
        }
        if (exists) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT tablename FROM pg_publication_tables WHERE pubname = ? AND schemaname = 'public'")) {
                ps.setString(1, Tenant.publicationName());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        current.add(rs.getString(1));
                    }
                }
            }
            if (current.equals(new TreeSet<>(wanted))) {
                return;
            }
        }
        // identifiers from the catalog, quoted; DDL takes no bound parameters
        String list = String.join(", ", wanted.stream().map(t -> "public." + quote(t)).toList());
        try (Statement st = c.createStatement()) {
            if (exists) {
                st.execute("ALTER PUBLICATION " + quote(Tenant.publicationName()) + " SET TABLE " + list);
            } else {
                st.execute("CREATE PUBLICATION " + quote(Tenant.publicationName()) + " FOR TABLE " + list
                        + " WITH (publish_via_partition_root = true)");
            }
        }
    }

    /** The trigger that counts record-lane statements for CDC's skip (tenant V255). */
    static final String WRITE_COUNTER_TRIGGER = "og_cdc_writes";

    /**
     * Every record-lane table calls {@code og_cdc_wrote()} after each statement that changes it
     * (tenant V255), so that CDC can tell that none ran over a stretch of WAL without decoding it.
     * Plain tables per statement; the partitioned logs per row, as a row trigger on a partitioned
     * table is cloned to every partition (present and future), where a statement trigger would
     * miss a statement run on a partition itself. Their TRUNCATE per statement, on the parent.
     */
    static void ensureWriteCounters(Connection c) throws SQLException {
        Set<String> have = new TreeSet<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT t.relname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
                JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = 'public' AND g.tgname = ? AND NOT t.relispartition""")) {
            ps.setString(1, WRITE_COUNTER_TRIGGER);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    have.add(rs.getString(1));
                }
            }
        }
        List<String> lane = recordLaneTables(c);
        try (Statement st = c.createStatement()) {
            for (String table : have) {
                if (!lane.contains(table)) {
                    // a table taken off the record lane (alarm_fingerprint): its writes no longer count
                    st.execute("DROP TRIGGER IF EXISTS " + WRITE_COUNTER_TRIGGER + " ON public." + quote(table));
                    st.execute("DROP TRIGGER IF EXISTS " + WRITE_COUNTER_TRIGGER + "_truncate ON public." + quote(table));
                }
            }
            for (String table : lane) {
                if (have.contains(table)) {
                    continue;
                }
                // identifiers from the catalog, quoted; DDL takes no bound parameters
                String on = " ON public." + quote(table);
                if (PARTITIONED_RECORD_LANE.contains(table)) {
                    st.execute("CREATE TRIGGER " + WRITE_COUNTER_TRIGGER + " AFTER INSERT OR UPDATE OR DELETE" + on
                            + " FOR EACH ROW EXECUTE FUNCTION og_cdc_wrote()");
                    st.execute("CREATE TRIGGER " + WRITE_COUNTER_TRIGGER + "_truncate AFTER TRUNCATE" + on
                            + " FOR EACH STATEMENT EXECUTE FUNCTION og_cdc_wrote()");
                } else {
                    st.execute("CREATE TRIGGER " + WRITE_COUNTER_TRIGGER + " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                            + on + " FOR EACH STATEMENT EXECUTE FUNCTION og_cdc_wrote()");
                }
            }
        }
    }

    /**
     * Slots are cluster-wide: an existing slot of this name is accepted only when it is a
     * pgoutput slot of this very database, never another tenant's (which would stream its WAL here).
     * CDC may have moved the feed to the tenant's alternate slot (a skip, docs/cdc.md): that one is
     * the tenant's slot then, and no second one is made.
     */
    static void ensureSlot(Connection c, String slot, String alternate) throws SQLException {
        if (slotExists(c, alternate) || slotExists(c, slot)) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            ps.setString(1, slot);
            ps.execute();
        } catch (SQLException e) {
            if (!"42710".equals(e.getSQLState()) || !slotExists(c, slot)) { // 42710: created concurrently by another core
                throw e;
            }
        }
    }

    private static boolean slotExists(Connection c, String slot) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT database = current_database() AND plugin = 'pgoutput' FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
                if (!rs.getBoolean(1)) {
                    throw new Tenant.InvalidTenantException("replication slot " + slot
                            + " exists but belongs to another database: refusing to share it");
                }
                return true;
            }
        }
    }

    static void upsertReference(DSLContext db, ReferenceData ref) {
        db.transaction(tx -> {
            DSLContext t = tx.dsl();
            for (ReferenceData.Named n : ref.componentTypes()) {
                t.insertInto(COMPONENT_TYPE)
                        .set(COMPONENT_TYPE.NAME, n.name())
                        .set(COMPONENT_TYPE.OFFICIAL, true)
                        .set(COMPONENT_TYPE.DESCRIPTION, n.description())
                        .onConflict(COMPONENT_TYPE.NAME).doUpdate()
                        .set(COMPONENT_TYPE.DESCRIPTION, excluded(COMPONENT_TYPE.DESCRIPTION))
                        .where(COMPONENT_TYPE.OFFICIAL.isTrue()
                                .and(COMPONENT_TYPE.DESCRIPTION.isDistinctFrom(excluded(COMPONENT_TYPE.DESCRIPTION))))
                        .execute();
            }
            for (ReferenceData.InterfaceType n : ref.interfaceTypes()) {
                t.insertInto(INTERFACE_TYPE)
                        .set(INTERFACE_TYPE.NAME, n.name())
                        .set(INTERFACE_TYPE.OFFICIAL, true)
                        .set(INTERFACE_TYPE.PROTOCOL, n.protocol())
                        .set(INTERFACE_TYPE.DESCRIPTION, n.description())
                        .onConflict(INTERFACE_TYPE.NAME).doUpdate()
                        .set(INTERFACE_TYPE.PROTOCOL, excluded(INTERFACE_TYPE.PROTOCOL))
                        .set(INTERFACE_TYPE.DESCRIPTION, excluded(INTERFACE_TYPE.DESCRIPTION))
                        .where(INTERFACE_TYPE.OFFICIAL.isTrue()
                                .and(row(INTERFACE_TYPE.PROTOCOL, INTERFACE_TYPE.DESCRIPTION)
                                        .isDistinctFrom(row(excluded(INTERFACE_TYPE.PROTOCOL), excluded(INTERFACE_TYPE.DESCRIPTION)))))
                        .execute();
            }
            for (ReferenceData.VariableType n : ref.variableTypes()) {
                t.insertInto(VARIABLE_TYPE)
                        .set(VARIABLE_TYPE.NAME, n.name())
                        .set(VARIABLE_TYPE.OFFICIAL, true)
                        .set(VARIABLE_TYPE.SECRET, n.secret())
                        .set(VARIABLE_TYPE.DESCRIPTION, n.description())
                        .onConflict(VARIABLE_TYPE.NAME).doUpdate()
                        .set(VARIABLE_TYPE.SECRET, excluded(VARIABLE_TYPE.SECRET))
                        .set(VARIABLE_TYPE.DESCRIPTION, excluded(VARIABLE_TYPE.DESCRIPTION))
                        .where(VARIABLE_TYPE.OFFICIAL.isTrue()
                                .and(row(VARIABLE_TYPE.SECRET, VARIABLE_TYPE.DESCRIPTION)
                                        .isDistinctFrom(row(excluded(VARIABLE_TYPE.SECRET), excluded(VARIABLE_TYPE.DESCRIPTION)))))
                        .execute();
            }
            for (ReferenceData.DatapointType d : ref.datapointTypes()) {
                t.insertInto(DATAPOINT_TYPE)
                        .set(DATAPOINT_TYPE.NAME, d.name())
                        .set(DATAPOINT_TYPE.KIND, DatapointKind.valueOf(d.kind()))
                        .set(DATAPOINT_TYPE.UNIT, d.unit() == null ? "" : d.unit())
                        .set(DATAPOINT_TYPE.SCOPE, RegistryScope.official)
                        .set(DATAPOINT_TYPE.FUSION_POLICY, FusionPolicy.valueOf(d.fusionPolicy()))
                        .set(DATAPOINT_TYPE.DESCRIPTION, d.description())
                        .onConflict(DATAPOINT_TYPE.NAME).where(DATAPOINT_TYPE.SCOPE.ne(RegistryScope.template))
                        .doUpdate()
                        .set(DATAPOINT_TYPE.UNIT, excluded(DATAPOINT_TYPE.UNIT))
                        .set(DATAPOINT_TYPE.FUSION_POLICY, excluded(DATAPOINT_TYPE.FUSION_POLICY))
                        .set(DATAPOINT_TYPE.DESCRIPTION, excluded(DATAPOINT_TYPE.DESCRIPTION))
                        .where(DATAPOINT_TYPE.SCOPE.eq(RegistryScope.official)
                                .and(row(DATAPOINT_TYPE.UNIT, DATAPOINT_TYPE.FUSION_POLICY, DATAPOINT_TYPE.DESCRIPTION)
                                        .isDistinctFrom(row(excluded(DATAPOINT_TYPE.UNIT), excluded(DATAPOINT_TYPE.FUSION_POLICY),
                                                excluded(DATAPOINT_TYPE.DESCRIPTION)))))
                        .execute();
            }
            for (ReferenceData.EventType e : ref.eventTypes()) {
                t.insertInto(EVENT_TYPE)
                        .set(EVENT_TYPE.NAME, e.name())
                        .set(EVENT_TYPE.SCOPE, RegistryScope.official)
                        .set(EVENT_TYPE.SEVERITY, Severity.valueOf(e.severity()))
                        .set(EVENT_TYPE.DESCRIPTION, e.description())
                        .onConflict(EVENT_TYPE.NAME).where(EVENT_TYPE.SCOPE.ne(RegistryScope.template))
                        .doUpdate()
                        .set(EVENT_TYPE.SEVERITY, excluded(EVENT_TYPE.SEVERITY))
                        .set(EVENT_TYPE.DESCRIPTION, excluded(EVENT_TYPE.DESCRIPTION))
                        .where(EVENT_TYPE.SCOPE.eq(RegistryScope.official)
                                .and(row(EVENT_TYPE.SEVERITY, EVENT_TYPE.DESCRIPTION)
                                        .isDistinctFrom(row(excluded(EVENT_TYPE.SEVERITY), excluded(EVENT_TYPE.DESCRIPTION)))))
                        .execute();
            }
        });
    }

    private static String quote(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }
}
