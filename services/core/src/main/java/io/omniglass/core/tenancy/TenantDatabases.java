package io.omniglass.core.tenancy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.omniglass.core.runtime.PgServer;

import javax.sql.DataSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;

/**
 * The connection pools of the tenant databases, on the server the registry names for each. Two
 * per tenant, so that HTTP reads cannot starve ingestion: the system pool (sink, rules, CDC,
 * provisioning) and the HTTP pool (scoped requests), whose sessions carry a statement timeout and
 * an idle-in-transaction timeout (a streamed response to a client that stopped reading cannot hold
 * a transaction open). Costs do not grow with quiet tenants: pools start empty and shrink back to
 * zero connections after {@link #IDLE_TIMEOUT_MS}, one shared thread does every pool's
 * housekeeping, and each kind of work has one budget of connections in use for the whole core
 * (OMNIGLASS_PG_SYSTEM_CONNECTIONS, OMNIGLASS_PG_HTTP_CONNECTIONS), whatever the tenant count.
 */
public final class TenantDatabases implements AutoCloseable {

    /** Hikari's least idle timeout: a quiet tenant's connections close within it (plus a housekeeping period). */
    static final long IDLE_TIMEOUT_MS = 10_000;
    private static final long WAIT_MS = 30_000;

    /** The HTTP side's bounds, from OMNIGLASS_HTTP_STATEMENT_TIMEOUT_MS (default 30 s). */
    static final long HTTP_STATEMENT_TIMEOUT_MS = longEnv("OMNIGLASS_HTTP_STATEMENT_TIMEOUT_MS", 30_000);
    static final long HTTP_IDLE_IN_TRANSACTION_MS = Math.max(HTTP_STATEMENT_TIMEOUT_MS, 60_000);

    private final PgServer defaultServer;
    private final int poolSize;
    private final Map<String, DataSource> system = new ConcurrentHashMap<>();
    private final Map<String, DataSource> http = new ConcurrentHashMap<>();
    private final Map<String, HikariDataSource> open = new ConcurrentHashMap<>();
    private final Semaphore systemBudget;
    private final Semaphore httpBudget;
    private final ScheduledThreadPoolExecutor housekeeping;
    private final java.util.function.Function<String, PgServer> registered;
    private final Map<String, PgServer> servers = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor probes;
    private final ServerStates states;

    public TenantDatabases(PgServer defaultServer, int poolSize) {
        this(defaultServer, poolSize, name -> {
            throw new ServerRegistry.InvalidServerException("no server '" + name + "' is known to this core");
        });
    }

    /** {@code registered}: the credentials of a registered server by name ({@link ServerRegistry#connection}). */
    public TenantDatabases(PgServer defaultServer, int poolSize, java.util.function.Function<String, PgServer> registered) {
        this.registered = registered;
        // one thread probes the servers found down (and nothing while every server is up)
        this.probes = new ScheduledThreadPoolExecutor(1, io.omniglass.core.runtime.DaemonThreads.named("og-pg-probe"));
        probes.setRemoveOnCancelPolicy(true);
        this.states = new ServerStates(this::serverNamed, probes);
        this.defaultServer = defaultServer;
        this.poolSize = poolSize;
        this.systemBudget = new Semaphore((int) longEnv("OMNIGLASS_PG_SYSTEM_CONNECTIONS", 48), true);
        this.httpBudget = new Semaphore((int) longEnv("OMNIGLASS_PG_HTTP_CONNECTIONS", 24), true);
        this.housekeeping = new ScheduledThreadPoolExecutor(1, io.omniglass.core.runtime.DaemonThreads.named("og-pool-housekeeping"));
        housekeeping.setRemoveOnCancelPolicy(true);
    }

    public PgServer server(Tenant tenant) {
        if (tenant.serverName() != null) {
            return serverNamed(tenant.serverName());
        }
        return tenant.serverUrl() == null
                ? defaultServer
                : PgServer.parse(tenant.serverUrl(), defaultServer.user(), defaultServer.password());
    }

    /** A registered server with its credentials ({@link ServerRegistry#DEFAULT}: the control server). */
    public PgServer serverNamed(String name) {
        if (ServerRegistry.DEFAULT.equals(name)) {
            return defaultServer;
        }
        // a registered server's address and credentials do not change under it: read once
        return servers.computeIfAbsent(name, registered);
    }

    /** Which servers are reachable, as this core's work has found (what /healthz and fleet health read). */
    public ServerStates serverStates() {
        return states;
    }

    /** Whether the tenant's server is down as far as this core knows. */
    public boolean impaired(Tenant tenant) {
        return states.isDown(tenant.server());
    }

    public String jdbcUrl(Tenant tenant) {
        return server(tenant).jdbcUrl(tenant.databaseName());
    }

    /** The system pool: the core's own work on the tenant (sink, rules, CDC, provisioning). */
    public DataSource dataSource(Tenant tenant) {
        return system.computeIfAbsent(tenant.slug(), s -> capped(tenant,
                tenantPool(tenant, "system/" + s, "og-" + s, poolSize, false), systemBudget, "system"));
    }

    /** The HTTP pool: scoped requests, with a statement timeout; separate from the system pool and its budget. */
    public DataSource httpDataSource(Tenant tenant) {
        return http.computeIfAbsent(tenant.slug(), s -> capped(tenant,
                tenantPool(tenant, "http/" + s, "og-http-" + s, Math.max(2, poolSize / 2), true), httpBudget, "HTTP"));
    }

    private DataSource capped(Tenant tenant, DataSource pool, Semaphore budget, String what) {
        String server = tenant.server();
        states.known(tenant.slug(), server);
        return new CappedDataSource(pool, budget, WAIT_MS, what, new CappedDataSource.ServerWatch(server, states, probes));
    }

    /** Connections a server's work needs whatever the tenant: few, at most this many. */
    private static final int SERVER_POOL_SIZE = 4;

    /**
     * A small pool to the server's own {@code postgres} database, for the questions that are about
     * the server rather than one tenant (WAL positions, walsenders, slots): asking them in each
     * tenant's database kept a connection open in every database whose slot was drained.
     */
    public DataSource serverDataSource(PgServer server) {
        String key = "server/" + server.jdbcUrl("postgres");
        return open.computeIfAbsent(key, k -> {
            HikariConfig hc = config(server, "postgres", "og-server-" + server.host(), SERVER_POOL_SIZE);
            hc.setMinimumIdle(0);
            hc.setIdleTimeout(IDLE_TIMEOUT_MS);
            hc.setScheduledExecutor(housekeeping);
            hc.addDataSourceProperty("ApplicationName", "omniglass-core server");
            return new HikariDataSource(hc);
        });
    }

    private HikariDataSource tenantPool(Tenant tenant, String key, String name, int size, boolean forHttp) {
        HikariConfig hc = config(server(tenant), tenant.databaseName(), name, size);
        hc.setMinimumIdle(0);
        hc.setIdleTimeout(IDLE_TIMEOUT_MS);
        hc.setScheduledExecutor(housekeeping);
        // pg_stat_activity tells the pools apart (who holds the connections of an idle fleet)
        hc.addDataSourceProperty("ApplicationName", forHttp ? "omniglass-core http" : "omniglass-core system");
        if (forHttp) {
            hc.addDataSourceProperty("options", "-c statement_timeout=" + HTTP_STATEMENT_TIMEOUT_MS
                    + " -c idle_in_transaction_session_timeout=" + HTTP_IDLE_IN_TRANSACTION_MS);
        }
        HikariDataSource ds = new HikariDataSource(hc);
        HikariDataSource old = open.put(key, ds);
        if (old != null) {
            old.close();
        }
        return ds;
    }

    /** A plain pool (the control database), kept one connection warm. */
    public static HikariDataSource pool(PgServer server, String database, String name, int size) {
        HikariConfig hc = config(server, database, name, size);
        hc.setMinimumIdle(1);
        hc.addDataSourceProperty("ApplicationName", "omniglass-core " + name);
        return new HikariDataSource(hc);
    }

    private static HikariConfig config(PgServer server, String database, String name, int size) {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(server.jdbcUrl(database));
        hc.setUsername(server.user());
        hc.setPassword(server.password());
        hc.setPoolName(name);
        hc.setMaximumPoolSize(size);
        hc.setConnectionTimeout(WAIT_MS);
        hc.addDataSourceProperty("reWriteBatchedInserts", "true");
        hc.addDataSourceProperty("ApplicationName", "omniglass-core");
        return hc;
    }

    public void evict(String slug) {
        system.remove(slug);
        http.remove(slug);
        for (String key : new String[]{"system/" + slug, "http/" + slug}) {
            HikariDataSource ds = open.remove(key);
            if (ds != null) {
                ds.close();
            }
        }
    }

    @Override
    public void close() {
        open.values().forEach(HikariDataSource::close);
        open.clear();
        system.clear();
        http.clear();
        housekeeping.shutdownNow();
        probes.shutdownNow();
    }

    private static long longEnv(String name, long dflt) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v.trim());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a positive integer, not '" + v + "'");
        }
    }
}
