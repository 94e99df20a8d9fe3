package io.omniglass.core.runtime;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

/**
 * The embedded Postgres's client authentication: scram-sha-256 for every connection. A data
 * directory initialised with trust (before Omniglass set a password) is closed at its first start:
 * the superuser gets the generated password, pg_hba.conf loses trust, the server reloads it.
 *
 * <p>The superuser's SCRAM verifier: for a generated secret (256 random bits, what
 * {@link DataDir#readOrCreateSecret} writes) it is made with {@value #GENERATED_SECRET_ITERATIONS}
 * PBKDF2 iteration. The iterations only slow down guessing a weak password from a stolen verifier;
 * 256 random bits cannot be guessed at any count, while 4,096 iterations (the default) are paid by
 * the client at every login (pgjdbc's SCRAM, 14 % of the core's CPU at 180 live tenants, Hikari's
 * connection adders and the CDC's replication sessions). The authentication stays scram-sha-256;
 * a password an operator chose (any other shape) keeps the server's default iterations.
 */
final class PgAuthentication {

    private static final Logger log = LoggerFactory.getLogger(PgAuthentication.class);

    static final List<String> HBA = List.of(
            "# written by Omniglass: every connection authenticates with the superuser's password",
            "# (see postgres.password in the Omniglass data dir); never trust",
            "local   all          all                     scram-sha-256",
            "host    all          all    127.0.0.1/32     scram-sha-256",
            "host    all          all    ::1/128          scram-sha-256",
            "local   replication  all                     scram-sha-256",
            "host    replication  all    127.0.0.1/32     scram-sha-256",
            "host    replication  all    ::1/128          scram-sha-256");

    /** The PBKDF2 iterations of a generated secret's verifier (Postgres' default is 4096). */
    static final int GENERATED_SECRET_ITERATIONS = 1;
    private static final java.util.regex.Pattern GENERATED = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{43}");

    private PgAuthentication() {
    }

    /** Whether {@code secret} has the shape of a generated one (32 random bytes, base64url), not a chosen password. */
    static boolean generated(String secret) {
        return GENERATED.matcher(secret).matches();
    }

    /**
     * Gives the superuser a verifier of {@value #GENERATED_SECRET_ITERATIONS} iteration when its
     * password is a generated secret and its verifier has another count (a fresh initdb's, or a data
     * directory from before); nothing otherwise. The verifier is computed here, as pgjdbc's
     * {@code alterUserPassword} does: the password never appears in a statement.
     */
    static void cheapVerifierForGeneratedSecret(int port, String password) throws IOException {
        if (!generated(password)) {
            return;
        }
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", password);
        p.setProperty("ApplicationName", "omniglass-core auth");
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
             Statement st = c.createStatement()) {
            String current;
            try (java.sql.ResultSet rs = st.executeQuery("SELECT rolpassword FROM pg_authid WHERE rolname = current_user")) {
                current = rs.next() ? rs.getString(1) : null;
            }
            if (current != null && current.startsWith("SCRAM-SHA-256$" + GENERATED_SECRET_ITERATIONS + ":")) {
                return;
            }
            byte[] salt = new byte[16];
            new java.security.SecureRandom().nextBytes(salt);
            String verifier = scramVerifier(password, salt, GENERATED_SECRET_ITERATIONS);
            // a verifier, not a password: Postgres stores it as it is (it is written by us, no quoting needed)
            st.execute("ALTER ROLE CURRENT_USER PASSWORD '" + verifier + "'");
            log.info("Postgres superuser: SCRAM verifier of {} iteration for its generated secret", GENERATED_SECRET_ITERATIONS);
        } catch (SQLException e) {
            throw new IOException("cannot set the Postgres superuser's verifier: " + e.getMessage(), e);
        }
    }

    /**
     * A SCRAM-SHA-256 verifier in Postgres' format,
     * {@code SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>}: pgjdbc's own encoder (the one
     * behind its {@code alterUserPassword}), with the iteration count and salt chosen here.
     */
    static String scramVerifier(String password, byte[] salt, int iterations) {
        return org.postgresql.util.PasswordUtil.encodeScramSha256(password.toCharArray(), iterations, salt);
    }

    static boolean trusts(Path dataDirectory) throws IOException {
        return Files.readAllLines(dataDirectory.resolve("pg_hba.conf")).stream()
                .map(String::trim)
                .filter(l -> !l.startsWith("#") && !l.isEmpty())
                .anyMatch(l -> l.matches(".*\\s(trust|password|md5)$"));
    }

    static void closeTrust(Path dataDirectory, int port, String password) throws IOException {
        if (!trusts(dataDirectory)) {
            return;
        }
        log.warn("Postgres in {} trusted local connections; setting the superuser's password and requiring it", dataDirectory);
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("password", password);
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p)) {
            // hashed by the driver: the password never appears in a statement or the server log
            c.unwrap(PGConnection.class).alterUserPassword("postgres", password.toCharArray(), "scram-sha-256");
            DataDir.writeOwnerOnly(dataDirectory.resolve("pg_hba.conf"), String.join("\n", HBA) + "\n");
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_reload_conf()");
            }
        } catch (SQLException e) {
            throw new IOException("cannot close trust authentication of " + dataDirectory + ": " + e.getMessage(), e);
        }
    }
}
