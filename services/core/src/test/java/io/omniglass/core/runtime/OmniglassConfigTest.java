package io.omniglass.core.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

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
                .hasMessageContaining("must be a number");
    }
}
