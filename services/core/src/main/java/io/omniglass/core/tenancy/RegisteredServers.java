package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.DaemonThreads;
import io.omniglass.core.runtime.PgServer;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The servers the tenant registry names (a tenant without a server URL is on the default server,
 * which also holds the control database). Each is asked through the server's small pool to its
 * {@code postgres} database (the one CDC uses), on at most two threads that end when idle; a server
 * that does not answer within {@link #ANSWER_MS} is reported down, and while its probe still hangs
 * the next call waits on that same probe instead of starting another. It agrees with
 * {@link ServerStates} (what /healthz and the tenants' pools follow): a server found down there is
 * reported down with that finding and not asked, and a server this board cannot reach is made
 * suspect there, so its tenants' pools learn it from the one probe that decides.
 */
final class RegisteredServers implements PostgresServers {

    static final long ANSWER_MS = 3_000;
    private static final String QUESTION = """
            select current_setting('server_version'), pg_is_in_recovery(),
                   (select coalesce(json_object_agg(slot_name,
                            case when pg_is_in_recovery() then null
                                 else pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) end), '{}')::text
                      from pg_replication_slots where slot_type = 'logical')""";

    private final TenantDatabases databases;
    private final PgServer defaultServer;
    private final TenantRegistry registry;
    private final Map<String, CompletableFuture<Health>> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService probes = probePool();

    private static ExecutorService probePool() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 30, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
                DaemonThreads.named("og-fleet-pg-probe"));
        pool.allowCoreThreadTimeOut(true); // an idle board holds no thread
        return pool;
    }

    RegisteredServers(TenantDatabases databases, PgServer defaultServer, TenantRegistry registry) {
        this.databases = databases;
        this.defaultServer = defaultServer;
        this.registry = registry;
    }

    @Override
    public List<Health> health() {
        Map<String, PgServer> servers = new LinkedHashMap<>();
        Map<String, List<String>> tenants = new TreeMap<>();
        if (defaultServer != null) {
            servers.put(address(defaultServer), defaultServer);
            tenants.put(address(defaultServer), new ArrayList<>());
        }
        Map<String, String> names = new LinkedHashMap<>(); // address -> the server's name in ServerStates
        if (defaultServer != null) {
            names.put(address(defaultServer), ServerRegistry.DEFAULT);
        }
        for (Tenant t : registry.list()) {
            PgServer s = databases.server(t);
            servers.putIfAbsent(address(s), s);
            tenants.computeIfAbsent(address(s), k -> new ArrayList<>()).add(t.slug());
            if (t.serverName() != null || t.serverUrl() == null) { // a bare URL is no server ServerStates knows by name
                names.putIfAbsent(address(s), t.server());
            }
        }
        ServerStates states = databases.serverStates();
        List<CompletableFuture<Health>> asked = new ArrayList<>();
        for (Map.Entry<String, PgServer> e : servers.entrySet()) {
            boolean control = defaultServer != null && e.getKey().equals(address(defaultServer));
            String name = control ? "default" : e.getKey();
            List<String> slugs = List.copyOf(tenants.getOrDefault(e.getKey(), List.of()));
            String known = names.get(e.getKey());
            if (known != null && states.isDown(known)) {
                // the tenants' own work found it down and its probe is at it: say so, hold no thread on it
                asked.add(CompletableFuture.completedFuture(down(name, e.getKey(), control, slugs, downSince(states, known))));
                continue;
            }
            asked.add(inFlight.computeIfAbsent(e.getKey(), k -> {
                CompletableFuture<Health> f = CompletableFuture.supplyAsync(() -> ask(name, k, control, e.getValue(), slugs, known), probes);
                f.whenComplete((h, x) -> inFlight.remove(k, f));
                return f;
            }).thenApply(h -> new Health(name, h.address(), control, h.up(), h.version(), h.inRecovery(), slugs,
                    h.slotLagBytes(), h.error())));
        }
        List<Health> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_MS);
        int i = 0;
        for (Map.Entry<String, PgServer> e : servers.entrySet()) {
            CompletableFuture<Health> f = asked.get(i++);
            boolean control = defaultServer != null && e.getKey().equals(address(defaultServer));
            try {
                out.add(f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
            } catch (TimeoutException slow) {
                out.add(down(control ? "default" : e.getKey(), e.getKey(), control, tenants.get(e.getKey()),
                        "no answer within " + ANSWER_MS + " ms"));
            } catch (Exception failed) {
                out.add(down(control ? "default" : e.getKey(), e.getKey(), control, tenants.get(e.getKey()), failed.toString()));
            }
        }
        return out;
    }

    /** {@code known}: the server's name in {@link ServerStates}, told when the server cannot be reached (null: none). */
    private Health ask(String name, String address, boolean control, PgServer server, List<String> slugs, String known) {
        try (Connection c = databases.serverDataSource(server).getConnection();
             Statement st = c.createStatement()) {
            st.setQueryTimeout((int) (ANSWER_MS / 1000));
            try (ResultSet rs = st.executeQuery(QUESTION)) {
                rs.next();
                Map<String, Long> lag = new TreeMap<>();
                com.fasterxml.jackson.databind.JsonNode slots = io.omniglass.api.WireJson.mapper().readTree(rs.getString(3));
                slots.fields().forEachRemaining(f -> lag.put(f.getKey(), f.getValue().isNull() ? null : f.getValue().asLong()));
                return new Health(name, address, control, true, rs.getString(1), rs.getBoolean(2), slugs, lag, null);
            }
        } catch (Exception e) {
            if (known != null && ServerStates.unreachable(e)) {
                databases.serverStates().suspect(known); // its tenants' pools learn it too, from the one probe that decides
            }
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            return down(name, address, control, slugs, why);
        }
    }

    private static String downSince(ServerStates states, String server) {
        return states.snapshot().stream().filter(st -> st.server().equals(server)).findFirst()
                .map(st -> "down since " + st.since() + ": " + st.lastError()).orElse("down");
    }

    private static Health down(String name, String address, boolean control, List<String> slugs, String why) {
        return new Health(name, address, control, false, null, null, slugs == null ? List.of() : List.copyOf(slugs), Map.of(), why);
    }

    private static String address(PgServer s) {
        return s.host() + ":" + s.port();
    }
}
