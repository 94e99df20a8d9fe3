package io.omniglass.core.runtime;

import io.nats.client.Nats;
import io.nats.client.Options;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Finding 4 of issue 16: the embedded runtime is closed to other local users. What such a user
 * can learn (endpoints.json, the ports) lets them reach neither Postgres (and through it the
 * admin token via pg_read_file) nor a tenant's lanes.
 */
class ClosedRuntimeTest {

    static TestCore core;
    static Path dir;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of());
        dir = core.dataDir();
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void postgresAdmitsNoOneWithoutTheSuperusersPasswordAndTrustsNothing() throws Exception {
        Map<String, String> endpoints = core.core().context().dataDir().readEndpoints().orElseThrow();
        String jdbc = endpoints.get("jdbc");
        assertThatThrownBy(() -> DriverManager.getConnection(jdbc, "postgres", ""))
                .isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> DriverManager.getConnection(jdbc, "postgres", "postgres"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        String url = jdbc.replace("/omniglass_control", "/postgres");
        assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", "wrong"))
                .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("28P01"));
        // the password the core holds works, and is kept where only the owner reads it
        String password = Files.readString(dir.resolve("postgres.password")).trim();
        try (var c = DriverManager.getConnection(jdbc, "postgres", password)) {
            assertThat(c.isValid(5)).isTrue();
        }
        assertThat(mode(dir.resolve("postgres.password"))).isEqualTo("rw-------");
        List<String> hba = Files.readAllLines(dir.resolve("postgres/data/pg_hba.conf")).stream()
                .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertThat(hba).isNotEmpty().allSatisfy(l -> assertThat(l).endsWith("scram-sha-256"));
        // the socket is in the owner-only data directory, not in /tmp
        assertThat(Files.list(dir.resolve("postgres/data")).map(p -> p.getFileName().toString()))
                .anyMatch(n -> n.startsWith(".s.PGSQL."));
    }

    @Test
    void natsAdmitsNeitherAnAnonymousClientNorAWrongPassword() throws Exception {
        String publicUrl = core.core().context().dataDir().readEndpoints().orElseThrow().get("nats");
        assertThat(publicUrl).doesNotContain("@");
        assertThatThrownBy(() -> Nats.connect(options(publicUrl))).isInstanceOf(Exception.class)
                .satisfies(e -> assertThat(e.toString().toLowerCase()).contains("authorization"));
        String wrong = publicUrl.replace("nats://", "nats://" + NatsAuthorization.CORE_USER + ":guess@");
        assertThatThrownBy(() -> Nats.connect(options(wrong))).isInstanceOf(Exception.class)
                .satisfies(e -> assertThat(e.toString().toLowerCase()).contains("authorization"));
        try (var nc = Nats.connect(options(core.core().context().infrastructure().natsUrl()))) {
            assertThat(nc.getStatus()).isEqualTo(io.nats.client.Connection.Status.CONNECTED);
        }
        assertThat(mode(dir.resolve("nats/core.password"))).isEqualTo("rw-------");
        assertThat(mode(dir.resolve("nats/authorization.conf"))).isEqualTo("rw-------");
    }

    @Test
    void theDataDirIsTheOwnersAndEndpointsCarryNoSecret() throws Exception {
        assertThat(mode(dir)).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("nats"))).isEqualTo("rwx------");
        assertThat(mode(dir.resolve("postgres"))).isEqualTo("rwx------");
        String endpoints = Files.readString(dir.resolve("endpoints.json"));
        for (String secret : List.of(Files.readString(dir.resolve("postgres.password")).trim(),
                Files.readString(dir.resolve("nats/core.password")).trim(),
                Files.readString(dir.resolve("admin.token")).trim())) {
            assertThat(endpoints).doesNotContain(secret);
        }
        assertThat(endpoints).doesNotContain("password");
    }

    @Test
    void aDataDirMadeWithTrustIsClosedAtItsFirstStart() throws Exception {
        Path root = Files.createTempDirectory("og-trust-");
        try {
            Path data = root.resolve("postgres").resolve("data");
            Files.createDirectories(data);
            // as an earlier Omniglass left it: zonky's initdb with trust, no password
            int port = FreePort.pick();
            var old = new io.zonky.test.db.postgres.embedded.OwnedEmbeddedPostgres(data.toFile(),
                    Map.of("listen_addresses", "127.0.0.1"), port, new BundledPgBinaries(),
                    ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.DISCARD, Duration.ofSeconds(60), Map.of(), Map.of());
            try (var c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "")) {
                assertThat(c.isValid(5)).as("trusted before").isTrue();
            }
            old.stop();

            try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(data, root.resolve("postgres.password"))) {
                String url = pg.jdbcUrl("postgres");
                assertThatThrownBy(() -> DriverManager.getConnection(url, "postgres", ""))
                        .isInstanceOf(SQLException.class);
                try (var c = DriverManager.getConnection(url, "postgres", Files.readString(root.resolve("postgres.password")).trim())) {
                    assertThat(c.isValid(5)).isTrue();
                }
                assertThat(Files.readAllLines(data.resolve("pg_hba.conf")).stream()
                        .filter(l -> !l.isBlank() && !l.startsWith("#"))).allSatisfy(l -> assertThat(l).endsWith("scram-sha-256"));
            }
        } finally {
            io.omniglass.core.testing.TestFiles.deleteQuietly(root);
        }
    }

    private static Options options(String url) {
        return new Options.Builder().server(url).noReconnect().connectionTimeout(Duration.ofSeconds(5)).maxReconnects(0).build();
    }
}
