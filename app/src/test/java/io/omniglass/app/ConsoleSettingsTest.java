package io.omniglass.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsoleSettingsTest {

    @TempDir
    Path tmp;

    @Test
    void aPastedTokenIsKeptInAFileOnlyTheUserCanReadAndOnlyItsPathIsRemembered() throws Exception {
        ConsoleSettings s = new ConsoleSettings(tmp.resolve("cfg"), Map.of());
        Path f = s.storeToken("  og_secret_123 \n");
        s.remember("http://core:8686", f);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(ConsoleSettings.readToken(f)).isEqualTo("og_secret_123");
        assertThat(Files.readString(tmp.resolve("cfg/console.properties"))).doesNotContain("og_secret_123");
        assertThat(s.remembered()).contains(new ConsoleSettings.Connection("http://core:8686", f.toAbsolutePath()));
    }

    @Test
    void withNothingRememberedTheLocalCoreOfTheDataDirIsUsed() throws Exception {
        Path data = tmp.resolve("data");
        Files.createDirectories(data);
        ConsoleSettings s = new ConsoleSettings(tmp.resolve("cfg"), Map.of("OMNIGLASS_DATA_DIR", data.toString()));
        assertThat(s.localCore()).isEmpty();
        Files.writeString(data.resolve("endpoints.json"), "{\"http\": \"http://127.0.0.1:8686\", \"nats\": \"nats://x\"}");
        Files.writeString(data.resolve("admin.token"), "og_admin\n");
        assertThat(s.localCore()).contains(new ConsoleSettings.Connection("http://127.0.0.1:8686", data.resolve("admin.token")));
        assertThat(s.remembered()).isEmpty();
    }

    @Test
    void theCommandLineTakesUrlTokenFileAndFlags() {
        LaunchOptions o = LaunchOptions.parse(java.util.List.of("--url", "http://h:1", "--token-file=/t", "--check", "--tenant", "demo"));
        assertThat(o.url()).isEqualTo("http://h:1");
        assertThat(o.tokenFile()).isEqualTo(Path.of("/t"));
        assertThat(o.check()).isTrue();
        assertThat(o.tenant()).isEqualTo("demo");
        assertThatThrownBy(() -> LaunchOptions.parse(java.util.List.of("--colour", "red")))
                .hasMessageContaining("unknown option '--colour'").hasMessageContaining("usage:");
        assertThatThrownBy(() -> LaunchOptions.parse(java.util.List.of("--url")))
                .hasMessageContaining("--url needs a value");
    }
}
