package io.omniglass.core.tenancy;

import io.nats.client.Dispatcher;
import io.omniglass.api.DatapointTypeInfo;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.ServerInfo;
import io.omniglass.api.VariableRequest;
import io.omniglass.core.CoreService;
import io.omniglass.core.Modules;
import io.omniglass.core.runtime.EmbeddedPostgresServers;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.testing.TestFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The embedded default spreads tenants over embedded Postgres servers of the data dir, one tenant
 * a server here ({@code OMNIGLASS_PG_EMBEDDED_TENANTS=1}): each tenant's database and CDC slot live
 * on its server, its datapoints and record-lane changes flow as on the first server, a spare is
 * made ahead and taken by the next tenant, and a restart (new ports) serves every tenant again.
 */
class EmbeddedServersTest {

    static Path dataDir;
    static Map<String, String> env;

    @BeforeAll
    static void dir() throws Exception {
        dataDir = Files.createTempDirectory("og-embedded-servers-");
        env = Map.of("OMNIGLASS_DATA_DIR", dataDir.toString(), "OMNIGLASS_HTTP_PORT", "0", "OMNIGLASS_PG_EMBEDDED_TENANTS", "1");
    }

    @AfterAll
    static void cleanUp() {
        TestFiles.deleteQuietly(dataDir);
    }

    static CoreService start() {
        return new CoreService(Modules.all()).start(OmniglassConfig.load(Optional.empty(), env));
    }

    static OmniglassClient admin(CoreService core) {
        return new OmniglassClient(core.httpUrl(), core.context().dataDir().readAdminToken().orElseThrow());
    }

    @Test
    void tenantsSpreadOverEmbeddedServersEachWithItsOwnSlotAndFeedAndAllComeBackAfterARestart() throws Exception {
        CoreService core = start();
        try {
            EmbeddedPostgresServers embedded = core.context().infrastructure().embeddedServers().orElseThrow();
            List<String> slugs = List.of("north", "east", "south");
            for (int n = 0; n < slugs.size(); n++) {
                int i = n;
                // each placement starts the next server in the background: a tenant placed before it is ready goes on a
                // fuller server instead of waiting; here each waits for it, as a slow operator would
                EmbeddedServerSupply supply = (EmbeddedServerSupply) core.context().provisioner().servers().orElseThrow().growth();
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> i == 0 || supply.sparesReady() == 1);
                core.context().provisioner().create(slugs.get(n), slugs.get(n), "test");
            }
            OmniglassClient admin = admin(core);
            assertThat(serversByName(admin)).as("one tenant a server, fewest first")
                    .containsEntry("default", 1).containsEntry("embedded-2", 1).containsEntry("embedded-3", 1).hasSize(3);
            assertThat(admin.tenants()).extracting(t -> core.context().tenants().find(t.slug()).orElseThrow().server())
                    .containsExactlyInAnyOrder("default", "embedded-2", "embedded-3");
            Tenant south = core.context().tenants().find("south").orElseThrow();
            assertThat(south.server()).isEqualTo("embedded-3");

            // the next server is made ahead of need, started but not yet given tenants
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                    .until(() -> embedded.furtherPorts().containsKey("embedded-4")
                            && ((EmbeddedServerSupply) core.context().provisioner().servers().orElseThrow().growth()).sparesReady() == 1);
            assertThat(serversByName(admin)).doesNotContainKey("embedded-4");
            assertThat(core.context().infrastructure().embeddedPostgresPids()).hasSize(4).doesNotHaveDuplicates()
                    .allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue()));

            // the tenant's database and slot are on its own server only
            ServerRegistry registry = core.context().provisioner().servers().orElseThrow();
            assertThat(slotsOf(registry.connection("embedded-3"))).contains(south.slotName());
            assertThat(slotsOf(registry.connection("default"))).doesNotContain(south.slotName());
            assertThat(slotsOf(registry.connection("embedded-2"))).doesNotContain(south.slotName());

            assertFeedAndValuesWork(core, admin, "south", 7);
        } finally {
            core.close();
        }
        assertNoPostgresRunning();

        CoreService next = start();
        try {
            OmniglassClient admin = admin(next);
            EmbeddedPostgresServers embedded = next.context().infrastructure().embeddedServers().orElseThrow();
            // new ports at every start: the registry follows them
            Map<String, Integer> ports = embedded.furtherPorts();
            assertThat(ports).containsOnlyKeys("embedded-2", "embedded-3", "embedded-4");
            for (ServerInfo s : admin.servers()) {
                if (!s.name().equals("default")) {
                    assertThat(s.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:" + ports.get(s.name()) + "/");
                }
                assertThat(s.health()).as(s.name()).isEqualTo("up");
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> admin.currentValues("south", null, 100, null).items().stream()
                            .anyMatch(v -> v.key().equals("shard_probe") && Double.valueOf(7).equals(v.value())));
            assertFeedAndValuesWork(next, admin, "south", 8);

            // every server holds its one tenant: the next goes on the spare
            next.context().provisioner().create("west", "west", "test");
            assertThat(next.context().tenants().find("west").orElseThrow().server()).isEqualTo("embedded-4");
            assertFeedAndValuesWork(next, admin, "west", 9);
        } finally {
            next.close();
        }
        assertNoPostgresRunning();
    }

    /** A record-lane write reaches the tenant's CDC subjects, and a datapoint its current value. */
    static void assertFeedAndValuesWork(CoreService core, OmniglassClient admin, String slug, double value) throws Exception {
        List<String> changes = new CopyOnWriteArrayList<>();
        Dispatcher d = core.context().nats().createDispatcher(m -> changes.add(m.getSubject()));
        d.subscribe("og." + slug + ".cdc.>");
        try {
            core.context().nats().flush(Duration.ofSeconds(5));
            admin.setVariable(slug, new VariableRequest("probe_" + (int) value, "global", "setpoint",
                    OmniglassClient.JSON.readTree("{\"v\": " + value + "}"), null));
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                    .until(() -> changes.contains("og." + slug + ".cdc.variable"));
        } finally {
            core.context().nats().closeDispatcher(d);
        }
        try {
            admin.createDatapointType(slug, new DatapointTypeInfo(null, "shard_probe", "metric", "bar", null, null, null));
        } catch (OmniglassClient.ApiException e) {
            assertThat(e.status()).as("made before the restart").isEqualTo(409);
        }
        String body = "{\"owner\": \"global\", \"key\": \"shard_probe\", \"ts\": \"" + Instant.now() + "\", \"source_rule\": \"shard-test\", \"value\": " + value + "}";
        core.context().nats().publish("og." + slug + ".dp.metric", body.getBytes(StandardCharsets.UTF_8));
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> admin.currentValues(slug, null, 100, null).items().stream()
                            .anyMatch(v -> v.key().equals("shard_probe") && Double.valueOf(value).equals(v.value())));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no current value " + value + " for " + slug + ": values " + admin.currentValues(slug, null, 100, null)
                    + ", dead letters " + admin.deadLetters(slug, null, 10, null), e);
        }
    }

    static Map<String, Integer> serversByName(OmniglassClient admin) {
        return admin.servers().stream().collect(Collectors.toMap(ServerInfo::name, ServerInfo::tenants));
    }

    static List<String> slotsOf(PgServer server) throws Exception {
        try (java.sql.Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
             PreparedStatement ps = c.prepareStatement("SELECT slot_name FROM pg_replication_slots");
             ResultSet rs = ps.executeQuery()) {
            List<String> slots = new java.util.ArrayList<>();
            while (rs.next()) {
                slots.add(rs.getString(1));
            }
            return slots;
        }
    }

    static void assertNoPostgresRunning() {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(ProcessHandle.allProcesses()
                        .filter(p -> p.info().commandLine().map(c -> c.contains(dataDir.toString())).orElse(false))
                        .map(p -> p.info().commandLine().orElse(""))
                        .toList()).as("processes of the data dir").isEmpty());
    }
}
