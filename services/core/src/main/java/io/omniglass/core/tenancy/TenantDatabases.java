package io.omniglass.core.tenancy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.omniglass.core.runtime.PgServer;

import io.omniglass.core.runtime.OmniglassConfig;

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


    private final PgServer defaultServer;
    private final int poolSize;
    /** A tenant pool's connection timeout (OMNIGLASS_PG_CONNECTION_TIMEOUT_MS): how long a dead server can hold a borrower. */
    private final long connectionTimeoutMs;
    /** The HTTP side's bounds (OMNIGLASS_HTTP_STATEMENT_TIMEOUT_MS); a stalled stream's idle transaction ends after max(it, 60 s). */
    private final long httpStatementTimeoutMs;
    /**
     * How long a request's connection waits on a server that sends nothing (OMNIGLASS_PG_SOCKET_TIMEOUT_MS,
     * at least the statement timeout plus {@link #SOCKET_MARGIN_MS}): a server that stops answering
     * (stopped, or a network that drops its packets) would otherwise hold the request forever, since
     * its statement timeout is the server's own and a hung server enforces nothing.
     */
    private final long httpSocketTimeoutMs;
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
    private final HangingBorrows borrows;
    private final ReplicaReads replicaReads;
    private final Map<String, DataSource> replicaPools = new ConcurrentHashMap<>();

    public TenantDatabases(PgServer defaultServer, OmniglassConfig.Tuning tuning) {
        this(defaultServer, tuning, ServerDirectory.none(), java.time.Duration.ZERO);
    }

    /**
     * {@code directory}: the registered servers (credentials, read replicas); {@code replicaMaxLag}:
     * how far behind a replica may be to serve reads that may lag (OMNIGLASS_REPLICA_MAX_LAG).
     */
    public TenantDatabases(PgServer defaultServer, OmniglassConfig.Tuning tuning, ServerDirectory directory,
                           java.time.Duration replicaMaxLag) {
        this.registered = directory::connection;
        this.replicaReads = new ReplicaReads(directory, replicaMaxLag);
        // one thread probes the servers found down (and nothing while every server is up)
        this.probes = new ScheduledThreadPoolExecutor(1, io.omniglass.core.runtime.DaemonThreads.named("og-pg-probe"));
        probes.setRemoveOnCancelPolicy(true);
        this.states = new ServerStates(this::serverNamed, probes);
        this.borrows = new HangingBorrows(probes, CappedDataSource.SUSPECT_AFTER_MS, states::suspect);
        this.defaultServer = defaultServer;
        this.poolSize = tuning.pgTenantPool();
        this.connectionTimeoutMs = tuning.pgConnectionTimeoutMs();
        this.httpStatementTimeoutMs = tuning.httpStatementTimeoutMs();
        this.httpSocketTimeoutMs = Math.max(tuning.pgSocketTimeoutMs(), httpStatementTimeoutMs + SOCKET_MARGIN_MS);
        this.systemBudget = new Semaphore(tuning.pgSystemConnections(), true);
        this.httpBudget = new Semaphore(tuning.pgHttpConnections(), true);
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

    /** Where a read that may lag goes: a pool, the server behind it, and whether that is a replica. */
    public record ReadTarget(DataSource dataSource, String server, boolean replica) {
    }

    /**
     * The pool for a read that may lag (history, aggregates, fleet current values): a read replica
     * of the tenant's server within OMNIGLASS_REPLICA_MAX_LAG, else the HTTP pool of the primary.
     * A replica's sessions are read-only: no write can land there.
     */
    public ReadTarget readTarget(Tenant tenant) {
        java.util.Optional<String> replica = replicaReads.choose(tenant.server());
        if (replica.isEmpty()) {
            return new ReadTarget(httpDataSource(tenant), tenant.server(), false);
        }
        String name = replica.get();
        DataSource ds = replicaPools.computeIfAbsent(tenant.slug() + "@" + name, k -> {
            HikariConfig hc = config(serverNamed(name), tenant.databaseName(), "og-replica-" + tenant.slug(), Math.max(2, poolSize / 2));
            hc.setMinimumIdle(0);
            hc.setIdleTimeout(IDLE_TIMEOUT_MS);
            hc.setScheduledExecutor(housekeeping);
            // a replica that went away is left quickly for the primary, not waited on for the full timeout
            hc.setConnectionTimeout(REPLICA_WAIT_MS);
            hc.addDataSourceProperty("ApplicationName", "omniglass-core replica");
            hc.addDataSourceProperty("socketTimeout", socketTimeoutSeconds());
            hc.addDataSourceProperty("options", "-c statement_timeout=" + httpStatementTimeoutMs
                    + " -c idle_in_transaction_session_timeout=" + Math.max(httpStatementTimeoutMs, 60_000)
                    + " -c default_transaction_read_only=on");
            HikariDataSource pool = new HikariDataSource(hc);
            open.put("replica/" + k, pool);
            return new CappedDataSource(pool, httpBudget, WAIT_MS, "HTTP");
        });
        return new ReadTarget(ds, name, true);
    }

    /** A read on {@code target} was served (counted per server in og_pg_reads_total). */
    public void served(ReadTarget target) {
        replicaReads.served(target.server(), target.replica() ? "replica" : "primary");
    }

    /** A read on a replica could not connect: the replica is left until its lag is checked again. */
    public void replicaFailed(ReadTarget target) {
        replicaReads.failed(target.server());
    }

    /** Metrics of the servers: their state, their tenants', the reads served per server. */
    public void bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
        states.bindTo(registry);
        replicaReads.bindTo(registry);
    }

    private static final long REPLICA_WAIT_MS = 2_000;
    /** Past the statement timeout: the server's own cancel and its error have this long to arrive. */
    static final long SOCKET_MARGIN_MS = 5_000;

    /** pgjdbc's socketTimeout is in whole seconds: rounded up, never below the bound. */
    private String socketTimeoutSeconds() {
        return Long.toString((httpSocketTimeoutMs + 999) / 1000);
    }

    private DataSource capped(Tenant tenant, DataSource pool, Semaphore budget, String what) {
        String server = tenant.server();
        states.known(tenant.slug(), server);
        return new CappedDataSource(pool, budget, WAIT_MS, what, new CappedDataSource.ServerWatch(server, states, borrows));
    }

    /** Connections a server's work needs whatever the tenant: few, at most this many. */
    private static final int SERVER_POOL_SIZE = 4;
    static final long SERVER_SOCKET_TIMEOUT_S = 10;

    /**
     * A small pool to the server's own {@code postgres} database, for the questions that are about
     * the server rather than one tenant (WAL positions, walsenders, slots): asking them in each
     * tenant's database kept a connection open in every database whose slot was drained.
     */
    public DataSource serverDataSource(PgServer server) {
        String key = "server/" + server.jdbcUrl("postgres");
        return open.computeIfAbsent(key, k -> {
            HikariConfig hc = config(server, "postgres", "og-server-" + server.host(), SERVER_POOL_SIZE);
            hc.setConnectionTimeout(connectionTimeoutMs);
            hc.setMinimumIdle(0);
            hc.setIdleTimeout(IDLE_TIMEOUT_MS);
            hc.setScheduledExecutor(housekeeping);
            hc.addDataSourceProperty("ApplicationName", "omniglass-core server");
            // its questions are catalog reads of milliseconds: a server that stops answering mid-question
            // (where the query timeout's cancel cannot reach it either) must not hold the asking thread for good
            hc.addDataSourceProperty("socketTimeout", Long.toString(SERVER_SOCKET_TIMEOUT_S));
            return new HikariDataSource(hc);
        });
    }

    private HikariDataSource tenantPool(Tenant tenant, String key, String name, int size, boolean forHttp) {
        HikariConfig hc = config(server(tenant), tenant.databaseName(), name, size);
        // short, not Hikari's 30 s: a borrow from a server that died under it holds a shared lane
        // worker (or an HTTP thread) this long at most; after that the server is known down and refused at once
        hc.setConnectionTimeout(connectionTimeoutMs);
        // opening the pool connects to nothing: a tenant whose server is down is then refused by
        // CappedDataSource (503, a NAK) like any other borrow, instead of failing in the constructor
        hc.setInitializationFailTimeout(-1);
        hc.setMinimumIdle(0);
        hc.setIdleTimeout(IDLE_TIMEOUT_MS);
        hc.setScheduledExecutor(housekeeping);
        // pg_stat_activity tells the pools apart (who holds the connections of an idle fleet)
        hc.addDataSourceProperty("ApplicationName", forHttp ? "omniglass-core http" : "omniglass-core system");
        if (forHttp) {
            // the system pool has none: a sink COPY, a migration or a tiering statement may be silent for long
            hc.addDataSourceProperty("socketTimeout", socketTimeoutSeconds());
            hc.addDataSourceProperty("options", "-c statement_timeout=" + httpStatementTimeoutMs
                    + " -c idle_in_transaction_session_timeout=" + Math.max(httpStatementTimeoutMs, 60_000));
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
        replicaPools.keySet().removeIf(k -> k.startsWith(slug + "@"));
        open.keySet().stream().filter(k -> k.startsWith("replica/" + slug + "@")).toList()
                .forEach(k -> open.remove(k).close());
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
        replicaReads.close();
        housekeeping.shutdownNow();
        probes.shutdownNow();
    }
}
