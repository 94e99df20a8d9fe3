package io.omniglass.core.bench;

import io.omniglass.core.CoreContext;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.tenancy.ServerRegistry;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * The Postgres servers a fleet's tenants live on, as the benchmarks measure them: every registered
 * primary (the control server is one of them). Until the twelfth session the benchmarks asked the
 * control server alone, which left out every backend, walsender, session and CPU second of the
 * tenants placed elsewhere.
 *
 * <p>One connection per server to its {@code postgres} database, opened at the start and held for
 * the run: opening one at every reading (the replay samples each second) would be counted among
 * the new sessions it measures. Its own backend is left out of every count. A server that cannot
 * be reached is reported with its error; the others are still measured.
 *
 * <p>CPU is read from /proc: the embedded postmasters ({@code embeddedPostgresPids()}) and the
 * postmaster of any registered server on this machine (the parent of this class's backend), each
 * with its children, and each postmaster once however many names it has.
 */
final class FleetServers implements AutoCloseable {

    /** Where the CPU of embedded postmasters that no registered server leads to is reported. */
    static final String UNREGISTERED = "embedded, not registered";
    private static final String APPLICATION = "omniglass-bench";

    /** One measured server; its connection is used by one thread at a time (the replay's sampler and the main thread share it). */
    private static final class Measured {
        final String name;
        final PgServer address;
        final String controlDatabase;
        Connection connection;
        long backendPid = -1;
        long postmasterPid = -1;
        String error;

        Measured(String name, PgServer address, String controlDatabase) {
            this.name = name;
            this.address = address;
            this.controlDatabase = controlDatabase;
        }
    }

    @FunctionalInterface
    interface Query<T> {
        T run(Connection c) throws SQLException;
    }

    private final CoreContext ctx;
    private final List<Measured> servers = new ArrayList<>();
    private final Set<Long> embedded;

    private FleetServers(CoreContext ctx) {
        this.ctx = ctx;
        this.embedded = new LinkedHashSet<>(ctx.infrastructure().embeddedPostgresPids());
    }

    /** The registered primaries now (the control server alone for a provisioner without servers). */
    static FleetServers open(CoreContext ctx) {
        FleetServers f = new FleetServers(ctx);
        String control = ctx.infrastructure().controlDatabase();
        Optional<ServerRegistry> registry = ctx.provisioner().servers();
        if (registry.isEmpty()) {
            f.servers.add(new Measured(ServerRegistry.DEFAULT, ctx.infrastructure().pg(), control));
        } else {
            for (ServerRegistry.Server s : registry.get().list()) {
                if (s.primary()) {
                    f.servers.add(new Measured(s.name(), registry.get().connection(s.name()),
                            ServerRegistry.DEFAULT.equals(s.name()) ? control : null));
                }
            }
        }
        f.servers.forEach(f::connect);
        return f;
    }

    List<String> names() {
        return servers.stream().map(m -> m.name).toList();
    }

    int count() {
        return servers.size();
    }

    /** Each server: name, tenants, address (no password), whether embedded and whether its CPU is measured here. */
    List<Map<String, Object>> describe() {
        Map<String, Integer> tenants = ctx.provisioner().servers().map(ServerRegistry::tenantCounts)
                .orElseGet(() -> Map.of(ServerRegistry.DEFAULT, ctx.tenants().list().size()));
        List<Map<String, Object>> out = new ArrayList<>();
        for (Measured m : servers) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("name", m.name);
            d.put("tenants", tenants.getOrDefault(m.name, 0));
            d.put("jdbc_url", m.address.publicJdbcUrl(""));
            d.put("embedded", m.postmasterPid > 0 && embedded.contains(m.postmasterPid));
            d.put("cpu_measured", m.postmasterPid > 0);
            if (m.error != null) {
                d.put("error", m.error);
            }
            out.add(d);
        }
        return out;
    }

    // ------------------------------------------------------------------ backends and sessions

    /** Client backends and walsenders open now, per server (without this class's own backend). */
    Map<String, Map<String, Long>> backends() {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (Measured m : servers) {
            Map<String, Long> b = ask(m, c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FILTER (WHERE backend_type = 'client backend'), "
                        + "count(*) FILTER (WHERE backend_type = 'walsender') FROM pg_stat_activity WHERE pid <> pg_backend_pid()");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    Map<String, Long> r = new LinkedHashMap<>();
                    r.put("client_backends", rs.getLong(1));
                    r.put("walsenders", rs.getLong(2));
                    return r;
                }
            });
            out.put(m.name, b == null ? Map.of() : b);
        }
        return out;
    }

    /** Sessions ever opened on each server (pg_stat_database.sessions, every database of it). */
    Map<String, Long> sessions() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Measured m : servers) {
            Long n = ask(m, c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(sum(sessions), 0) FROM pg_stat_database");
                     ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            out.put(m.name, n == null ? 0L : n);
        }
        return out;
    }

    /** Per server: the backends open now by application name and kind, how many, and how many opened in the last {@code seconds}. */
    Map<String, List<Map<String, Object>>> backendsByApplication(double seconds) {
        Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
        for (Measured m : servers) {
            List<Map<String, Object>> rows = ask(m, c -> {
                List<Map<String, Object>> r = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT application_name, backend_type, count(*), "
                        + "count(*) FILTER (WHERE backend_start > now() - make_interval(secs => ?)) "
                        + "FROM pg_stat_activity WHERE backend_type IN ('client backend', 'walsender') AND pid <> pg_backend_pid() "
                        + "GROUP BY 1, 2 ORDER BY 3 DESC")) {
                    ps.setDouble(1, seconds);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Map<String, Object> row = new LinkedHashMap<>();
                            row.put("application_name", rs.getString(1));
                            row.put("backend_type", rs.getString(2));
                            row.put("open", rs.getLong(3));
                            row.put("opened_in_window", rs.getLong(4));
                            r.add(row);
                        }
                    }
                }
                return r;
            });
            out.put(m.name, rows == null ? List.of() : rows);
        }
        return out;
    }

    /**
     * Per server: who holds the client backends (the control database, a tenant's, or the server's
     * own {@code postgres} database, where the core asks about WAL and slots; until the twelfth
     * session that one was counted as a tenant's), state, application, the statement each ran last.
     */
    Map<String, List<Map<String, Object>>> backendHolders() {
        Map<String, List<Map<String, Object>>> out = new LinkedHashMap<>();
        for (Measured m : servers) {
            List<Map<String, Object>> rows = ask(m, c -> {
                List<Map<String, Object>> r = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement("SELECT CASE WHEN datname = ? THEN 'control' WHEN datname = 'postgres' THEN 'server' ELSE 'tenant' END, "
                        + "state, application_name, left(regexp_replace(query, '\\s+', ' ', 'g'), 80), count(*), count(DISTINCT datname) "
                        + "FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() "
                        + "GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC LIMIT 20")) {
                    // only the control server holds the control database; elsewhere no database is it
                    ps.setString(1, m.controlDatabase);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Map<String, Object> row = new LinkedHashMap<>();
                            row.put("database", rs.getString(1));
                            row.put("state", rs.getString(2));
                            row.put("application_name", rs.getString(3));
                            row.put("last_query", rs.getString(4));
                            row.put("backends", rs.getLong(5));
                            row.put("databases", rs.getLong(6));
                            r.add(row);
                        }
                    }
                }
                return r;
            });
            out.put(m.name, rows == null ? List.of() : rows);
        }
        return out;
    }

    /** The server's WAL position in bytes (every tenant of a server writes to its one WAL); -1 when it cannot be read. */
    long walPosition(String server) {
        Measured m = find(server);
        Long at = ask(m, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        });
        return at == null ? -1 : at;
    }

    /** Runs {@code q} on each server's connection, by name (null for a server that did not answer). */
    <T> Map<String, T> onEach(Query<T> q) {
        Map<String, T> out = new LinkedHashMap<>();
        for (Measured m : servers) {
            out.put(m.name, ask(m, q));
        }
        return out;
    }

    // ------------------------------------------------------------------ CPU

    /**
     * CPU seconds so far of each server's postmaster and its children (by name; {@link #UNREGISTERED}
     * for embedded postmasters no registered server is, absent when none), and the total: every
     * postmaster counted once.
     */
    Map<String, Double> cpuSeconds() {
        Map<String, Double> out = new LinkedHashMap<>();
        Set<Long> counted = new LinkedHashSet<>();
        double total = 0;
        for (Measured m : servers) {
            if (m.postmasterPid > 0) {
                double s = ProcessCpu.seconds(m.postmasterPid, true);
                out.put(m.name, s);
                if (counted.add(m.postmasterPid)) {
                    total += s;
                }
            }
        }
        double unregistered = 0;
        boolean any = false;
        for (long pid : embedded) {
            if (counted.add(pid)) {
                unregistered += ProcessCpu.seconds(pid, true);
                any = true;
            }
        }
        if (any) {
            out.put(UNREGISTERED, unregistered);
            total += unregistered;
        }
        out.put("total", total);
        return out;
    }

    /** Percent of one core between two {@link #cpuSeconds()} readings, by server ({@code total} included). */
    static Map<String, Object> cpuPercent(Map<String, Double> before, Map<String, Double> after, double seconds) {
        Map<String, Object> out = new LinkedHashMap<>();
        after.forEach((k, v) -> out.put(k, Math.round(100 * (v - before.getOrDefault(k, 0.0)) / seconds * 100) / 100.0));
        return out;
    }

    // ------------------------------------------------------------------ connections

    private Measured find(String name) {
        return servers.stream().filter(m -> m.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no registered primary '" + name + "' (known: " + names() + ")"));
    }

    private <T> T ask(Measured m, Query<T> q) {
        synchronized (m) {
            for (int attempt = 0; attempt < 2; attempt++) {
                try {
                    if (m.connection == null || m.connection.isClosed()) {
                        connect(m);
                        if (m.connection == null) {
                            return null;
                        }
                    }
                    T t = q.run(m.connection);
                    m.error = null;
                    return t;
                } catch (SQLException e) {
                    m.error = e.getMessage();
                    closeQuietly(m);
                }
            }
            return null;
        }
    }

    private void connect(Measured m) {
        synchronized (m) {
            Properties p = new Properties();
            p.setProperty("user", m.address.user());
            if (m.address.password() != null) {
                p.setProperty("password", m.address.password());
            }
            p.setProperty("ApplicationName", APPLICATION);
            p.setProperty("connectTimeout", "10");
            try {
                m.connection = DriverManager.getConnection(m.address.jdbcUrl("postgres"), p);
                m.connection.setAutoCommit(true);
                try (PreparedStatement ps = m.connection.prepareStatement("SELECT pg_backend_pid()"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    m.backendPid = rs.getLong(1);
                }
                m.postmasterPid = localPostmaster(m.address, m.backendPid);
                m.error = null;
            } catch (SQLException e) {
                m.error = e.getMessage();
                closeQuietly(m);
            }
        }
    }

    /**
     * The postmaster of a server on this machine: the parent of our backend, when the server's
     * address is one of this machine's and that process is Postgres; -1 otherwise (a server on
     * another machine, whose pid means nothing here).
     */
    private long localPostmaster(PgServer address, long backendPid) {
        if (!local(address.host())) {
            return -1;
        }
        Optional<ProcessHandle> parent = ProcessHandle.of(backendPid).flatMap(ProcessHandle::parent);
        if (parent.isEmpty()) {
            return -1;
        }
        long pid = parent.get().pid();
        if (embedded.contains(pid)) {
            return pid;
        }
        boolean postgres = parent.get().info().command().map(cmd -> cmd.contains("postgres") || cmd.contains("postmaster")).orElse(false);
        return postgres ? pid : -1;
    }

    private static boolean local(String host) {
        try {
            InetAddress a = InetAddress.getByName(host);
            return a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null;
        } catch (Exception e) {
            return false;
        }
    }

    private static void closeQuietly(Measured m) {
        if (m.connection != null) {
            try {
                m.connection.close();
            } catch (SQLException ignored) {
                // gone already
            }
        }
        m.connection = null;
    }

    @Override
    public void close() {
        for (Measured m : servers) {
            synchronized (m) {
                closeQuietly(m);
            }
        }
    }

    // ------------------------------------------------------------------ sums over the servers

    /** The per-server counts of {@link #backends()} added up, by kind. */
    static Map<String, Long> sum(Map<String, Map<String, Long>> byServer) {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("client_backends", 0L);
        out.put("walsenders", 0L);
        byServer.values().forEach(b -> b.forEach((k, v) -> out.merge(k, v, Long::sum)));
        return out;
    }

    /**
     * Rows of several servers merged where every field but the {@code counts} is the same, those
     * added up; ordered by the first count, largest first, as each server's query orders them.
     */
    static List<Map<String, Object>> merge(Map<String, List<Map<String, Object>>> byServer, List<String> counts) {
        Map<List<Object>, Map<String, Object>> merged = new LinkedHashMap<>();
        for (List<Map<String, Object>> rows : byServer.values()) {
            for (Map<String, Object> row : rows) {
                List<Object> key = new ArrayList<>();
                row.forEach((k, v) -> {
                    if (!counts.contains(k)) {
                        key.add(v);
                    }
                });
                Map<String, Object> into = merged.computeIfAbsent(key, x -> {
                    Map<String, Object> m = new LinkedHashMap<>(row);
                    counts.forEach(c -> m.put(c, 0L));
                    return m;
                });
                counts.forEach(c -> into.put(c, ((Number) into.get(c)).longValue() + ((Number) row.get(c)).longValue()));
            }
        }
        List<Map<String, Object>> out = new ArrayList<>(merged.values());
        out.sort((a, b) -> Long.compare(((Number) b.get(counts.get(0))).longValue(), ((Number) a.get(counts.get(0))).longValue()));
        return out;
    }
}
