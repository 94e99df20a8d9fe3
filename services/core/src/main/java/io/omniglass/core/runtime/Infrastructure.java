package io.omniglass.core.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The Postgres server and NATS the core runs on: embedded by default (started here, stopped on
 * close), or external when the configuration names them. Everything above this class takes the
 * same code path either way.
 */
public final class Infrastructure implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Infrastructure.class);
    public static final String DEFAULT_CONTROL_DB = "omniglass_control";

    private final PgServer pg;
    private final String controlDatabase;
    private final String natsUrl;
    private final EmbeddedPostgresServers embeddedPg;
    private final NatsServerProcess embeddedNats;

    private Infrastructure(PgServer pg, String controlDatabase, String natsUrl,
                           EmbeddedPostgresServers embeddedPg, NatsServerProcess embeddedNats) {
        this.pg = pg;
        this.controlDatabase = controlDatabase;
        this.natsUrl = natsUrl;
        this.embeddedPg = embeddedPg;
        this.embeddedNats = embeddedNats;
    }

    public static Infrastructure start(OmniglassConfig config, DataDir dataDir) {
        dataDir.create();
        EmbeddedPostgresServers epg = null;
        NatsServerProcess nats = null;
        try {
            if (config.embeddedNats()) {
                // first: a missing nats-server is the likeliest failure and should cost no Postgres start
                nats = NatsServerProcess.start(dataDir.natsStore(), config.natsServerBin());
            }
            PgServer pg;
            String controlDb;
            if (config.embeddedPostgres()) {
                epg = EmbeddedPostgresServers.start(dataDir);
                pg = new PgServer("127.0.0.1", epg.control().port(), "", "postgres", DataDir.readOrCreateSecret(dataDir.postgresPasswordFile()));
                controlDb = DEFAULT_CONTROL_DB;
            } else {
                pg = PgServer.parse(config.pgUrl().get(), config.pgUser(), config.pgPassword());
                controlDb = PgServer.databaseOf(config.pgUrl().get(), DEFAULT_CONTROL_DB);
            }
            Infrastructure infra = new Infrastructure(pg, controlDb,
                    nats != null ? nats.url() : config.natsUrl().get(), epg, nats);
            infra.ensureDatabase(controlDb);
            return infra;
        } catch (IOException | RuntimeException e) {
            if (nats != null) {
                nats.close();
            }
            if (epg != null) {
                epg.close();
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
    }

    public PgServer pg() {
        return pg;
    }

    public String controlDatabase() {
        return controlDatabase;
    }

    public String controlJdbcUrl() {
        return pg.jdbcUrl(controlDatabase);
    }

    /** The NATS URL the core connects with (credentials included: never print it). */
    public String natsUrl() {
        return natsUrl;
    }

    /** The same without credentials, for endpoints.json, logs and people. */
    public String publicNatsUrl() {
        return withoutUserInfo(natsUrl);
    }

    /** The embedded nats-server, when this core started one (device credentials are granted on it). */
    public Optional<NatsServerProcess> embeddedNats() {
        return Optional.ofNullable(embeddedNats);
    }

    /** Each of a comma-separated list of URLs without its {@code user:password@}. */
    static String withoutUserInfo(String urls) {
        return java.util.Arrays.stream(urls.split(","))
                .map(u -> u.trim().replaceFirst("^([a-z]+://)[^@/]*@", "$1"))
                .collect(java.util.stream.Collectors.joining(","));
    }

    public boolean embedded() {
        return embeddedPg != null;
    }

    public Optional<Long> embeddedPostgresPid() {
        return embeddedPg == null ? Optional.empty() : embeddedPg.control().pid();
    }

    /** The embedded servers (the control server and the further ones), when this core runs them. */
    public Optional<EmbeddedPostgresServers> embeddedServers() {
        return Optional.ofNullable(embeddedPg);
    }

    /**
     * The postmaster of every embedded Postgres server this core runs (the control server first),
     * for measuring: a fleet's tenants may be spread over several.
     */
    public java.util.List<Long> embeddedPostgresPids() {
        return embeddedPg == null ? java.util.List.of() : embeddedPg.pids();
    }

    public Optional<Long> embeddedNatsPid() {
        return embeddedNats == null ? Optional.empty() : Optional.of(embeddedNats.pid());
    }

    /** Creates the database if it does not exist; true if it was created. */
    public boolean ensureDatabase(String name) {
        return ensureDatabase(pg, name);
    }

    public static boolean ensureDatabase(PgServer server, String name) {
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password())) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return false;
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                // a database name cannot be a bound parameter; quote it as an identifier
                st.execute("CREATE DATABASE " + quoteIdent(name));
                return true;
            } catch (SQLException e) {
                if ("42P04".equals(e.getSQLState())) {
                    return false; // another core created it in the meantime
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + ": " + e.getMessage(), e);
        }
    }

    public static String quoteIdent(String ident) {
        return "\"" + ident.replace("\"", "\"\"") + "\"";
    }

    @Override
    public void close() {
        if (embeddedNats != null) {
            embeddedNats.close();
        }
        if (embeddedPg != null) {
            embeddedPg.close();
        }
    }
}
