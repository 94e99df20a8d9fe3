package io.omniglass.core.testing;

import io.omniglass.core.runtime.DataDir;
import io.omniglass.core.runtime.EmbeddedPostgresServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/**
 * One more real Postgres server (the same embedded binaries, its own data directory, port and
 * superuser password) for tests of tenants over several servers: {@link #kill9()} crashes it,
 * {@link #restart()} brings it back on the same port with crash recovery.
 */
public final class ExtraPostgres implements AutoCloseable {

    private final Path dir;
    private final String password;
    private final int port;
    private volatile EmbeddedPostgresServer server;

    private ExtraPostgres(Path dir, String password, EmbeddedPostgresServer server) {
        this.dir = dir;
        this.password = password;
        this.server = server;
        this.port = server.port();
    }

    public static ExtraPostgres start() {
        try {
            Path dir = Files.createTempDirectory("og-test-pg-");
            String password = UUID.randomUUID().toString();
            DataDir.writeOwnerOnly(dir.resolve("postgres.password"), password + "\n");
            return new ExtraPostgres(dir, password, EmbeddedPostgresServer.start(dir.resolve("pg"), dir.resolve("postgres.password")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server's URL without credentials (what {@code server add} takes with --user and a password). */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/";
    }

    public String user() {
        return "postgres";
    }

    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    public Path dataDirectory() {
        return dir.resolve("pg");
    }

    public Path binDirectory() {
        return server.binDirectory().orElseThrow(() -> new IllegalStateException("the server is not running"));
    }

    /** A superuser connection to {@code database} on this server. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl() + database, user(), password);
    }

    /** SIGKILL to the postmaster and its backends. */
    public synchronized void kill9() {
        server.kill9();
    }

    /** Starts it again on the same data directory and port. */
    public synchronized void restart() {
        try {
            server = EmbeddedPostgresServer.start(dir.resolve("pg"), dir.resolve("postgres.password"), port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            // a killed server has nothing to stop
        }
        TestFiles.deleteQuietly(dir);
    }
}
