package io.omniglass.core.runtime;

import org.junit.jupiter.api.Test;
import org.postgresql.PGProperty;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The embedded Postgres superuser's SCRAM verifier: a generated secret gets one of
 * {@value PgAuthentication#GENERATED_SECRET_ITERATIONS} iteration (every login, pooled or
 * replication, still authenticates with scram-sha-256 and the secret), a chosen password keeps the
 * server's default 4096, and a restart leaves a verifier that is already right as it is.
 */
class PgAuthenticationTest {

    @Test
    void aGeneratedSecretGetsAOneIterationVerifierAndEveryLoginStillNeedsIt() throws Exception {
        Path root = Files.createTempDirectory("og-scram-");
        try {
            Path passwordFile = root.resolve("postgres.password");
            String verifier;
            try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(root.resolve("data"), passwordFile)) {
                String secret = Files.readString(passwordFile).trim();
                assertThat(PgAuthentication.generated(secret)).isTrue();
                verifier = rolpassword(pg, secret);
                assertThat(verifier).startsWith("SCRAM-SHA-256$1:");
                try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", secret);
                     Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT system_user")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(1)).as("how this session authenticated").isEqualTo("scram-sha-256:postgres");
                }
                // a replication session (CDC) logs in with the same verifier
                Properties p = new Properties();
                PGProperty.USER.set(p, "postgres");
                PGProperty.PASSWORD.set(p, secret);
                PGProperty.REPLICATION.set(p, "database");
                PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
                PGProperty.PREFER_QUERY_MODE.set(p, "simple");
                try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), p)) {
                    assertThat(c.isValid(5)).isTrue();
                }
                assertThatThrownBy(() -> DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", secret.substring(1) + "x"))
                        .isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("28P01"));
                assertThat(Files.readAllLines(root.resolve("data").resolve("pg_hba.conf")).stream()
                        .filter(l -> !l.isBlank() && !l.startsWith("#"))).allSatisfy(l -> assertThat(l).endsWith("scram-sha-256"));
            }
            try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(root.resolve("data"), passwordFile)) {
                assertThat(rolpassword(pg, Files.readString(passwordFile).trim())).as("kept at a restart").isEqualTo(verifier);
            }
        } finally {
            io.omniglass.core.testing.TestFiles.deleteQuietly(root);
        }
    }

    @Test
    void aChosenPasswordKeepsTheDefaultIterations() throws Exception {
        Path root = Files.createTempDirectory("og-scram-chosen-");
        try {
            Path passwordFile = root.resolve("postgres.password");
            DataDir.writeOwnerOnly(passwordFile, "correct horse battery staple\n");
            try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(root.resolve("data"), passwordFile)) {
                assertThat(rolpassword(pg, "correct horse battery staple")).startsWith("SCRAM-SHA-256$4096:");
            }
        } finally {
            io.omniglass.core.testing.TestFiles.deleteQuietly(root);
        }
    }

    @Test
    void theVerifierIsPostgresFormat() {
        byte[] salt = new byte[16];
        String v = PgAuthentication.scramVerifier("pencil", salt, 1);
        assertThat(v).matches("SCRAM-SHA-256\\$1:AAAAAAAAAAAAAAAAAAAAAA==\\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=");
        assertThat(PgAuthentication.generated("correct horse battery staple")).isFalse();
    }

    private static String rolpassword(EmbeddedPostgresServer pg, String secret) throws SQLException {
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", secret);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = 'postgres'")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
