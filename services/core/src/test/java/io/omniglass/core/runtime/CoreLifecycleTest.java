package io.omniglass.core.runtime;

import io.omniglass.api.OmniglassClient;
import io.omniglass.api.TenantInfo;
import io.omniglass.core.testing.CoreProcess;
import io.omniglass.core.testing.TestFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** `core serve` as a real process: its data survives restarts, and it leaves no Postgres or nats-server behind. */
class CoreLifecycleTest {

    Path dataDir;

    @BeforeEach
    void dir() throws Exception {
        dataDir = Files.createTempDirectory("og-lifecycle-");
    }

    @AfterEach
    void clean() {
        TestFiles.deleteQuietly(dataDir);
    }

    @Test
    void stopAndStartKeepsDataAndLeavesNoProcesses() throws Exception {
        Map<String, String> env = Map.of("OMNIGLASS_DATA_DIR", dataDir.toString());
        String token;
        long postgresPid;
        long natsPid;
        try (CoreProcess first = CoreProcess.start(env)) {
            token = first.adminToken();
            OmniglassClient admin = new OmniglassClient(first.httpUrl(), token);
            admin.createTenant("keep", "Kept across restarts");
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("admin.token")))).isEqualTo("rw-------");
            postgresPid = EmbeddedPostgresServer.postmasterPid(dataDir.resolve("postgres/data")).orElseThrow();
            natsPid = Long.parseLong(Files.readString(dataDir.resolve("nats/store/nats-server.pid")).trim());
            assertThat(alive(postgresPid)).isTrue();
            assertThat(alive(natsPid)).isTrue();

            assertThat(first.terminate()).as("exit status after SIGTERM").isIn(0, 143);
        }
        assertThat(alive(postgresPid)).as("postgres after stop").isFalse();
        assertThat(alive(natsPid)).as("nats-server after stop").isFalse();
        assertThat(dataDir.resolve("endpoints.json")).doesNotExist();

        try (CoreProcess second = CoreProcess.start(env)) {
            assertThat(second.adminToken()).isEqualTo(token);
            OmniglassClient admin = new OmniglassClient(second.httpUrl(), token);
            assertThat(admin.tenants()).extracting(TenantInfo::slug, TenantInfo::displayName)
                    .contains(org.assertj.core.groups.Tuple.tuple("keep", "Kept across restarts"));
        }
    }

    @Test
    void killMinusNineLeavesNoOrphansAndTheNextStartWorks() throws Exception {
        Map<String, String> env = Map.of("OMNIGLASS_DATA_DIR", dataDir.toString());
        long postgresPid;
        long natsPid;
        CoreProcess first = CoreProcess.start(env);
        new OmniglassClient(first.httpUrl(), first.adminToken()).createTenant("survivor", null);
        postgresPid = EmbeddedPostgresServer.postmasterPid(dataDir.resolve("postgres/data")).orElseThrow();
        natsPid = Long.parseLong(Files.readString(dataDir.resolve("nats/store/nats-server.pid")).trim());
        first.kill9();
        await().atMost(Duration.ofSeconds(30)).until(() -> !alive(postgresPid) && !alive(natsPid));

        try (CoreProcess second = CoreProcess.start(env)) {
            OmniglassClient admin = new OmniglassClient(second.httpUrl(), second.adminToken());
            assertThat(admin.tenants()).extracting(TenantInfo::slug).contains("survivor");
        }
    }

    private static boolean alive(long pid) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        return h.isPresent() && h.get().isAlive();
    }
}
