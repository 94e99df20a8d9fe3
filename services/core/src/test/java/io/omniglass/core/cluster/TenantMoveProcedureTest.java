package io.omniglass.core.cluster;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.MessageInfo;
import io.omniglass.api.AddServerRequest;
import io.omniglass.core.CoreModule;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.ExtraPostgres;
import io.omniglass.core.testing.PgClientTools;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestFiles;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;
import org.postgresql.replication.LogSequenceNumber;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The procedure of docs/cluster.md for moving a tenant to another Postgres server, by hand, as an
 * operator would: the cores stopped, pg_dump of the tenant database, pg_restore on the target
 * (with the og_scoped role made first), the registry row switched, the cores started. Datapoints
 * published while no core ran land on the new server, and the change feed carries the changes
 * made there although the new server's WAL positions are below the last one the feed holds from
 * the old server (the CDC publisher tells the servers apart by their system identifier).
 */
class TenantMoveProcedureTest {

    private static final String PLANT = """
            name: move-test
            locations: [{name: site}]
            components: [{name: pump-1, type: pump, location: site}]
            datapoint_types: [{name: temperature, kind: metric, unit: degC}]
            """;
    private static final String AFTER_THE_MOVE = """
            name: move-test
            locations: [{name: site}]
            components: [{name: pump-1, type: pump, location: site}, {name: pump-moved, type: pump, location: site}]
            datapoint_types: [{name: temperature, kind: metric, unit: degC}]
            """;

    @Test
    void aTenantDumpedAndRestoredOnAnotherServerIsServedThereAndItsChangeFeedGoesOn() throws Exception {
        Path work = Files.createTempDirectory("og-test-move-");
        try (TestInfra infra = TestInfra.start(); ExtraPostgres pg2 = ExtraPostgres.start();
             Connection nats = Nats.connect(infra.natsUrl())) {
            Map<String, String> env = new HashMap<>(infra.env());
            byte[] key = new byte[32];
            new SecureRandom().nextBytes(key);
            env.put("OMNIGLASS_SECRET_KEY", Base64.getEncoder().encodeToString(key));
            env.put("OMNIGLASS_CDC_SWEEP_SECONDS", "1");
            PgServer source = infra.infrastructure().pg();
            Instant t0 = Instant.now().minus(10, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.MILLIS);

            Tenant mover;
            try (TestCore first = TestCore.start(modules(), env)) {
                first.admin().addServer(new AddServerRequest("pg2", pg2.jdbcUrl(), pg2.user(), pg2.password(), null));
                mover = first.core().context().provisioner().create("mover", "mover", Optional.of("default"), "test");
                new PlantImporter(first.core().context().tenantDataSource(mover)).importPlant(PlantDescription.parseTree(PLANT), "test", "mover");
                publish(nats, t0, 0, 20);
                await().atMost(Duration.ofSeconds(60)).until(() -> count(source.jdbcUrl(mover.databaseName()), source.password(),
                        "SELECT count(*) FROM metric_datapoint") == 20);
                await().atMost(Duration.ofSeconds(60)).until(() -> lastChange(nats, "component") != null);
            }

            // the procedure: with no core running, copy the database, make the role, switch the row
            Path dump = work.resolve("mover.dump");
            PgClientTools.run("pg_dump", List.of("--host=127.0.0.1", "--port=" + source.port(), "--username=" + source.user(),
                    "--format=custom", "--file=" + dump, mover.databaseName()), source.password(), work.resolve("dump.log"), 5);
            try (java.sql.Connection c = pg2.connect("postgres"); java.sql.Statement st = c.createStatement()) {
                st.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'og_scoped') THEN CREATE ROLE og_scoped NOLOGIN; END IF; END $$");
            }
            PgClientTools.run("pg_restore", List.of("--host=127.0.0.1", "--port=" + pg2.port(), "--username=" + pg2.user(),
                    "--create", "--dbname=postgres", dump.toString()), pg2.password(), work.resolve("restore.log"), 5);
            try (java.sql.Connection c = DriverManager.getConnection(source.jdbcUrl(infra.infrastructure().controlDatabase()),
                    source.user(), source.password());
                 PreparedStatement ps = c.prepareStatement("UPDATE tenant SET server_name = 'pg2' WHERE slug = ?")) {
                ps.setString(1, "mover");
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            publish(nats, t0, 20, 30); // no core runs: they wait in JetStream

            // the case the publisher must tell apart: the new server's WAL is behind what the feed holds
            long fedUpTo = LogSequenceNumber.valueOf(msgId(lastChange(nats, "component")).split(":")[0]).asLong();
            assertThat(count(pg2.jdbcUrl() + "postgres", pg2.password(), "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))
                    .as("the target's WAL position is below the feed's last change from the old server").isLessThan(fedUpTo);

            try (TestCore second = TestCore.start(modules(), env)) {
                Tenant moved = second.core().context().tenants().find("mover").orElseThrow();
                assertThat(moved.server()).isEqualTo("pg2");
                await().atMost(Duration.ofSeconds(120)).until(() -> count(pg2.jdbcUrl() + "og_t_mover", pg2.password(),
                        "SELECT count(*) FROM metric_datapoint") == 50);
                assertThat(count(pg2.jdbcUrl() + "og_t_mover", pg2.password(), "SELECT count(DISTINCT (series_id, ts)) FROM metric_datapoint"))
                        .isEqualTo(50);
                assertThat(nats.jetStreamManagement().getStreamInfo(TenantStreams.dlqStream("mover")).getStreamState().getMsgCount())
                        .as(RulesFixture.deadLetters(nats, "mover")).isZero();

                // a change made on the new server reaches the feed, from the new server
                new PlantImporter(second.core().context().tenantDataSource(moved))
                        .importPlant(PlantDescription.parseTree(AFTER_THE_MOVE), "test", "mover");
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    MessageInfo last = lastChange(nats, "component");
                    return new String(last.getData(), StandardCharsets.UTF_8).contains("pump-moved");
                });
                String system;
                try (java.sql.Connection c = pg2.connect("postgres"); java.sql.Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT system_identifier::text FROM pg_control_system()")) {
                    rs.next();
                    system = rs.getString(1);
                }
                assertThat(lastChange(nats, "component").getHeaders().getFirst("Og-Pg-System")).isEqualTo(system);
            }
        } finally {
            TestFiles.deleteQuietly(work);
        }
    }

    private static List<CoreModule> modules() {
        return List.of(new GatewayModule(), new SinkModule(), new CdcModule());
    }

    private static void publish(Connection nats, Instant t0, int from, int n) throws Exception {
        for (int i = from; i < from + n; i++) {
            RulesFixture.metric(nats, "mover", "component:pump-1", "temperature", t0.plusSeconds(i), 40.0 + i % 10, "mover-" + i, null);
        }
    }

    /** The newest change of {@code table} in the tenant's change feed, or null. */
    private static MessageInfo lastChange(Connection nats, String table) throws Exception {
        try {
            return nats.jetStreamManagement().getLastMessage(TenantStreams.cdcStream("mover"), "og.mover.cdc." + table);
        } catch (io.nats.client.JetStreamApiException none) {
            return null;
        }
    }

    private static String msgId(MessageInfo m) {
        return m.getHeaders().getFirst("Nats-Msg-Id");
    }

    private static long count(String jdbcUrl, String password, String sql) {
        try (java.sql.Connection c = DriverManager.getConnection(jdbcUrl, "postgres", password);
             PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            if (e.getSQLState() != null && e.getSQLState().startsWith("3D")) {
                return -1; // not restored yet
            }
            throw new IllegalStateException(e);
        }
    }
}
