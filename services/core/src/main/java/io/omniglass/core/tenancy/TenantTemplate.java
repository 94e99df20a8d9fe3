package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.Infrastructure;
import io.omniglass.core.runtime.PgServer;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pre-migrated database a new tenant's database is copied from, one per Postgres server
 * ({@value #NAME}). Migrating a fresh database costs seconds of Flyway and about 10 MB of WAL that
 * every tenant's CDC slot must then decode; a {@code CREATE DATABASE ... TEMPLATE ... STRATEGY
 * FILE_COPY} copies the files (two checkpoints, almost no WAL). The template carries the
 * migrations, the official reference rows and the partitions of the days around the day it was
 * prepared, nothing of a tenant's own: the publication and slot (and any partition a later day
 * needs) are made in the copy by the {@link BootPhase}.
 *
 * <p>Kept current by Flyway once per server, process and UTC day, at the first provisioning (a core
 * that ships a new migration brings the template up before it copies it). When the template
 * cannot be used (another session is connected to it, a server before Postgres 15), the database
 * is created empty and migrated as before; the copy is then migrated if behind, so a stale
 * template can slow a provisioning but never make a wrong tenant.
 */
final class TenantTemplate {

    private static final Logger log = LoggerFactory.getLogger(TenantTemplate.class);
    static final String NAME = "og_tenant_template";
    private static final String MARKER = "omniglass tenant template";

    /** Servers whose template this process has brought up to date (by host:port), and the UTC day it was. */
    private static final Map<String, LocalDate> CURRENT = new ConcurrentHashMap<>();
    /** One server's template is made by one thread at a time; other servers' go on meanwhile. */
    private static final Map<String, Object> MAKING = new ConcurrentHashMap<>();
    /** A copy is refused while a session is connected to the template (another core preparing it): retried this often. */
    private static final int BUSY_RETRIES = 5;

    private TenantTemplate() {
    }

    /**
     * Creates {@code database} as a copy of the server's template; false when the database
     * already exists or the template cannot be used (the caller then creates it the plain way).
     */
    static boolean copyTo(PgServer server, String database, ReferenceData reference) {
        for (int attempt = 1; ; attempt++) {
            if (!ensureCurrent(server, reference)) {
                return false;
            }
            try (Connection c = postgres(server); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + Infrastructure.quoteIdent(database) + " TEMPLATE " + NAME + " STRATEGY FILE_COPY");
                return true;
            } catch (SQLException e) {
                if ("3D000".equals(e.getSQLState()) && attempt == 1) {
                    CURRENT.remove(key(server)); // dropped, or a new server on the same address: make it again
                    continue;
                }
                if ("55006".equals(e.getSQLState()) && attempt <= BUSY_RETRIES) {
                    sleep(100L * attempt);
                    continue;
                }
                if (!"42P04".equals(e.getSQLState())) { // 42P04: the database exists (an earlier attempt): the caller decides
                    log.warn("database {} not copied from {} ({} {}); creating it empty", database, NAME, e.getSQLState(), e.getMessage());
                }
                return false;
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String key(PgServer server) {
        return server.host() + ":" + server.port();
    }

    /**
     * Makes the server's template current ahead of its first tenant (a new server's takes the
     * migrations' whole run, seconds that provisioning would otherwise wait for); false when it
     * cannot be used.
     */
    static boolean prepare(PgServer server, ReferenceData reference) {
        return ensureCurrent(server, reference);
    }

    private static boolean ensureCurrent(PgServer server, ReferenceData reference) {
        String key = key(server);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        if (today.equals(CURRENT.get(key))) {
            return true;
        }
        synchronized (MAKING.computeIfAbsent(key, k -> new Object())) {
            if (today.equals(CURRENT.get(key))) {
                return true;
            }
            long t0 = System.nanoTime();
            try {
                create(server);
                PGSimpleDataSource ds = new PGSimpleDataSource();
                ds.setUrl(server.jdbcUrl(NAME));
                ds.setUser(server.user());
                ds.setPassword(server.password());
                ds.setApplicationName("og-tenant-template");
                // unpooled: a copy is refused while any session is connected to the template
                Migrations.migrateTenant(ds);
                BootPhase.upsertReference(DSL.using(ds, SQLDialect.POSTGRES), reference);
                // the days around today too (again each new day): a copy then makes none, the slowest step of its boot phase
                try (Connection c = ds.getConnection()) {
                    BootPhase.ensurePartitions(c, BootPhase.PARTITION_DAYS_BEHIND, BootPhase.PARTITION_DAYS_AHEAD);
                }
            } catch (SQLException | RuntimeException e) {
                log.warn("tenant template {} on {} not usable ({}); tenant databases are migrated one by one", NAME, key,
                        e.getMessage());
                return false;
            }
            CURRENT.put(key, today);
            log.info("tenant template {} on {} current in {} ms", NAME, key, (System.nanoTime() - t0) / 1_000_000);
            return true;
        }
    }

    private static void create(PgServer server) throws SQLException {
        try (Connection c = postgres(server); Statement st = c.createStatement()) {
            try {
                st.execute("CREATE DATABASE " + NAME);
            } catch (SQLException e) {
                if (!"42P04".equals(e.getSQLState())) { // made by another core meanwhile, or before
                    throw e;
                }
                return;
            }
            st.execute("COMMENT ON DATABASE " + NAME + " IS '" + MARKER + "'");
        }
    }

    private static Connection postgres(PgServer server) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
    }
}
