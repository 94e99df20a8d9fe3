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

    private PgAuthentication() {
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
