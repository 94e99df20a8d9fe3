package io.omniglass.core.runtime;

import io.omniglass.core.cli.OmniglassCli;
import io.omniglass.core.testing.CoreProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OmniglassConfigTest {

    @Test
    void defaultsKeepTheApiOnLoopbackAndTheSecretKeyInTheDataDir() {
        OmniglassConfig c = OmniglassConfig.load(Optional.empty(), Map.of("OMNIGLASS_DATA_DIR", "/tmp/og-x"));
        assertThat(c.httpHost()).isEqualTo("127.0.0.1");
        assertThat(c.httpPort()).isEqualTo(8686);
        assertThat(c.secretKey()).isEmpty();
    }

    @Test
    void theEnvironmentWinsOverTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("omniglass.yaml");
        Files.writeString(file, "http_host: 10.0.0.5\nhttp_port: 9000\nsecret_key: from-file\n");
        OmniglassConfig fromFile = OmniglassConfig.load(Optional.of(file), Map.of());
        assertThat(fromFile.httpHost()).isEqualTo("10.0.0.5");
        assertThat(fromFile.httpPort()).isEqualTo(9000);
        assertThat(fromFile.secretKey()).contains("from-file");
        OmniglassConfig fromEnv = OmniglassConfig.load(Optional.of(file),
                Map.of("OMNIGLASS_HTTP_HOST", "0.0.0.0", "OMNIGLASS_SECRET_KEY", "from-env"));
        assertThat(fromEnv.httpHost()).isEqualTo("0.0.0.0");
        assertThat(fromEnv.httpPort()).isEqualTo(9000);
        assertThat(fromEnv.secretKey()).contains("from-env");
    }

    @Test
    void natsReplicasAreOneByDefaultAndNeedAClusterAboveOne() {
        assertThat(OmniglassConfig.load(Optional.empty(), Map.of("OMNIGLASS_DATA_DIR", "/tmp/og-x")).natsReplicas()).isEqualTo(1);
        OmniglassConfig cluster = OmniglassConfig.load(Optional.empty(), Map.of("OMNIGLASS_DATA_DIR", "/tmp/og-x",
                "OMNIGLASS_NATS_URL", "nats://a:4222,nats://b:4222,nats://c:4222", "OMNIGLASS_NATS_REPLICAS", "3"));
        assertThat(cluster.natsReplicas()).isEqualTo(3);
        assertThat(NatsUrls.servers(cluster.natsUrl().orElseThrow())).containsExactly("nats://a:4222", "nats://b:4222", "nats://c:4222");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OmniglassConfig.load(Optional.empty(),
                        Map.of("OMNIGLASS_DATA_DIR", "/tmp/og-x", "OMNIGLASS_NATS_REPLICAS", "3")))
                .hasMessageContaining("needs a JetStream cluster");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OmniglassConfig.load(Optional.empty(),
                        Map.of("OMNIGLASS_DATA_DIR", "/tmp/og-x", "OMNIGLASS_NATS_URL", "nats://a:4222", "OMNIGLASS_NATS_REPLICAS", "7")))
                .hasMessageContaining("from 1 to 5");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> OmniglassConfig.load(Optional.empty(),
                        Map.of("OMNIGLASS_DATA_DIR", "/tmp/og-x", "OMNIGLASS_NATS_URL", "nats://a:4222", "OMNIGLASS_NATS_REPLICAS", "three")))
                .hasMessage("OMNIGLASS_NATS_REPLICAS (nats_replicas) must be a whole number from 1 to 5, not 'three'");
    }

    @Test
    void everySettingHasItsDefaultWhenUnset() {
        OmniglassConfig.Tuning t = OmniglassConfig.load(Optional.empty(), Map.of("OMNIGLASS_DATA_DIR", "/tmp/og-x")).tuning();
        assertThat(t).isEqualTo(OmniglassConfig.Tuning.defaults());
        assertThat(t.sinkBatchRows()).isEqualTo(20_000);
        assertThat(t.sinkBatchWaitMs()).isEqualTo(200);
        assertThat(t.sinkAckWaitSeconds()).isEqualTo(60);
        assertThat(t.pgSystemConnections()).isEqualTo(48);
        assertThat(t.pgHttpConnections()).isEqualTo(24);
        assertThat(t.pgTenantPool()).isEqualTo(8);
        assertThat(t.httpStatementTimeoutMs()).isEqualTo(30_000);
        assertThat(t.cdcSessions()).isEqualTo(8);
        assertThat(t.cdcSweepSeconds()).isEqualTo(10);
        assertThat(t.natsLaneConnections()).isEqualTo(2);
        assertThat(t.lifecycleInterval()).isEqualTo(Duration.ofHours(1));
        assertThat(t.lifecycleLeaseTtl()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void tuningComesFromTheEnvironmentOrTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("omniglass.yaml");
        Files.writeString(file, "sink_batch_rows: 5000\npg_tenant_pool: 4\nlifecycle_lease_ttl: 30s\n");
        OmniglassConfig c = OmniglassConfig.load(Optional.of(file), Map.of("OMNIGLASS_DATA_DIR", "/tmp/og-x",
                "OMNIGLASS_CDC_SESSIONS", "5", "OMNIGLASS_LIFECYCLE_INTERVAL", "15m", "OMNIGLASS_PG_TENANT_POOL", "6",
                "OMNIGLASS_NATS_AUTH_FILE", "/etc/nats/devices.conf"));
        assertThat(c.tuning().sinkBatchRows()).isEqualTo(5000);
        assertThat(c.tuning().pgTenantPool()).isEqualTo(6);
        assertThat(c.tuning().cdcSessions()).isEqualTo(5);
        assertThat(c.tuning().lifecycleInterval()).isEqualTo(Duration.ofMinutes(15));
        assertThat(c.tuning().lifecycleLeaseTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.natsAuthFile()).contains(Path.of("/etc/nats/devices.conf"));
    }

    @Test
    void aValueThatCannotWorkNamesTheSettingAndWhatItAccepts() {
        assertThatThrownBy(() -> load("OMNIGLASS_SINK_BATCH_ROWS", "lots"))
                .isInstanceOf(OmniglassConfig.InvalidConfigException.class)
                .hasMessage("OMNIGLASS_SINK_BATCH_ROWS (sink_batch_rows) must be a whole number from 1 to 10000000, not 'lots'");
        assertThatThrownBy(() -> load("OMNIGLASS_CDC_SESSIONS", "0"))
                .hasMessage("OMNIGLASS_CDC_SESSIONS (cdc_sessions) must be a whole number from 1 to 64, not '0'");
        assertThatThrownBy(() -> load("OMNIGLASS_HTTP_PORT", "70000"))
                .hasMessage("OMNIGLASS_HTTP_PORT (http_port) must be a whole number from 0 to 65535, not '70000'");
        assertThatThrownBy(() -> load("OMNIGLASS_LIFECYCLE_LEASE_TTL", "0"))
                .hasMessageStartingWith("OMNIGLASS_LIFECYCLE_LEASE_TTL (lifecycle_lease_ttl) must be more than zero");
        assertThatThrownBy(() -> load("OMNIGLASS_LIFECYCLE_INTERVAL", "hourly"))
                .hasMessageContaining("not 'hourly'");
        assertThatThrownBy(() -> load("OMNIGLASS_PG_URL", "postgres://db/omniglass"))
                .hasMessageStartingWith("OMNIGLASS_PG_URL (pg_url) must be a JDBC URL of Postgres");
        assertThatThrownBy(() -> load("OMNIGLASS_NATS_URL", "localhost:4222"))
                .hasMessageStartingWith("OMNIGLASS_NATS_URL (nats_url) must be nats://HOST:PORT");
    }

    @Test
    void theReadmeTableIsTheListOfSettings() throws Exception {
        Path readme = Path.of(System.getProperty("user.dir")).resolve("../../README.md").normalize();
        List<String> rows = Files.readAllLines(readme).stream()
                .filter(l -> l.startsWith("| `OMNIGLASS_") || l.startsWith("| `NATS_SERVER_BIN`")).toList();
        List<String> expected = Arrays.stream(Setting.values()).map(Setting::tableRow).toList();
        assertThat(rows).as("the README's settings table, one row per runtime.Setting in its order")
                .containsExactlyElementsOf(expected);
    }

    /** A real core process with a bad value: it stops before starting anything, says why, and exits with 2. */
    @Test
    void aCoreStartedWithABadValueRefusesToStartAndSaysWhy() {
        try (CoreProcess core = CoreProcess.launch(Map.of("OMNIGLASS_PG_SYSTEM_CONNECTIONS", "-4"))) {
            assertThat(core.awaitExit(Duration.ofSeconds(60))).hasValue(OmniglassCli.INVALID_CONFIGURATION);
            assertThat(core.log()).contains("invalid configuration: OMNIGLASS_PG_SYSTEM_CONNECTIONS (pg_system_connections)"
                    + " must be a whole number from 1 to 10000, not '-4'");
            assertThat(core.dataDir().resolve("endpoints.json")).doesNotExist();
            assertThat(core.dataDir().resolve("postgres")).doesNotExist();
            assertThat(core.dataDir().resolve("admin.token")).doesNotExist();
        }
    }

    private static OmniglassConfig load(String name, String value) {
        return OmniglassConfig.load(Optional.empty(), Map.of("OMNIGLASS_DATA_DIR", "/tmp/og-x", name, value));
    }
}
