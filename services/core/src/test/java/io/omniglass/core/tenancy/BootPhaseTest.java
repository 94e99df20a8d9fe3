package io.omniglass.core.tenancy;

import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The boot phase converges: twice, or on an existing database, the same slot, publication and reference rows. */
class BootPhaseTest {

    static TestCore core;
    static Tenant tenant;
    static DataSource db;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of());
        tenant = core.createTenant("boot");
        db = core.core().context().tenantDataSource(tenant);
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    @Test
    void runningTwiceChangesNothing() throws Exception {
        List<String> before = state();
        BootPhase.run(tenant, db, ReferenceData.load());
        BootPhase.run(tenant, db, ReferenceData.load());
        // the state includes each reference row's xmin: equal means not even rewritten
        assertThat(state()).isEqualTo(before);
        assertThat(before).anyMatch(s -> s.startsWith("slot og_cdc_boot pgoutput"));
        assertThat(before).anyMatch(s -> s.startsWith("pub alarm"));
        assertThat(before).noneMatch(s -> s.startsWith("pub metric_datapoint") || s.startsWith("pub series_latest")
                || s.startsWith("pub alarm_fingerprint"));
        assertThat(before).anyMatch(s -> s.startsWith("datapoint_type pressure metric bar official"));
    }

    @Test
    void convergesAnExistingDatabaseThatDrifted() throws Exception {
        List<String> wanted = withoutXmin(state());
        exec("DROP PUBLICATION og_cdc");
        exec("UPDATE datapoint_type SET description = 'edited by hand' WHERE name = 'flow'");
        exec("DELETE FROM component_type WHERE name = 'valve'");
        exec("INSERT INTO datapoint_type (name, kind, scope) VALUES ('operator_key', 'metric', 'org')");
        BootPhase.run(tenant, db, ReferenceData.load());
        List<String> after = withoutXmin(state());
        assertThat(after).containsAll(wanted);
        // operator-authored rows are never touched
        assertThat(after).anyMatch(s -> s.startsWith("datapoint_type operator_key metric  org"));
        exec("DELETE FROM datapoint_type WHERE name = 'operator_key'");
    }

    @Test
    void takesTheFingerprintsOffTheRecordLaneOfADatabaseThatHadThem() throws Exception {
        // as every tenant database was before: fingerprints published and counted as record-lane writes
        exec("ALTER PUBLICATION og_cdc ADD TABLE public.alarm_fingerprint");
        exec("CREATE TRIGGER og_cdc_writes AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.alarm_fingerprint"
                + " FOR EACH STATEMENT EXECUTE FUNCTION og_cdc_wrote()");
        BootPhase.run(tenant, db, ReferenceData.load());
        assertThat(rows("SELECT tablename FROM pg_publication_tables WHERE pubname = 'og_cdc'"))
                .contains("alarm", "event").doesNotContain("alarm_fingerprint");
        assertThat(rows("SELECT tgname FROM pg_trigger WHERE tgrelid = 'alarm_fingerprint'::regclass AND NOT tgisinternal"))
                .doesNotContain("og_cdc_writes");
        assertThat(rows("SELECT tgname FROM pg_trigger WHERE tgrelid = 'alarm'::regclass AND NOT tgisinternal"))
                .contains("og_cdc_writes");
    }

    private static List<String> withoutXmin(List<String> state) {
        return state.stream().map(s -> s.replaceAll(" xmin=\\d+", "")).toList();
    }

    private static List<String> state() throws SQLException {
        List<String> out = new ArrayList<>();
        out.addAll(rows("SELECT 'slot ' || slot_name || ' ' || plugin || ' ' || database FROM pg_replication_slots WHERE database = current_database()"));
        out.addAll(rows("SELECT 'pub ' || tablename FROM pg_publication_tables WHERE pubname = 'og_cdc' ORDER BY tablename"));
        out.addAll(rows("SELECT 'datapoint_type ' || name || ' ' || kind || ' ' || unit || ' ' || scope || ' ' || fusion_policy || ' ' || description || ' xmin=' || xmin FROM datapoint_type ORDER BY name"));
        out.addAll(rows("SELECT 'event_type ' || name || ' ' || scope || ' ' || severity || ' xmin=' || xmin FROM event_type ORDER BY name"));
        out.addAll(rows("SELECT 'component_type ' || name || ' ' || official || ' xmin=' || xmin FROM component_type ORDER BY name"));
        out.addAll(rows("SELECT 'interface_type ' || name || ' ' || official || ' ' || protocol || ' xmin=' || xmin FROM interface_type ORDER BY name"));
        out.addAll(rows("SELECT 'variable_type ' || name || ' ' || official || ' ' || secret || ' xmin=' || xmin FROM variable_type ORDER BY name"));
        return out;
    }

    private static List<String> rows(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static void exec(String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
