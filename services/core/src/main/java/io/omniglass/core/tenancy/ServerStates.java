package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.PgServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Which Postgres servers this core can reach, learnt from the work itself: a connection that
 * cannot be had, or a borrow that hangs, makes the server suspect and one probe (a fresh
 * connection and {@code SELECT 1}, on the probe thread at once) decides. A server found down is probed every
 * {@link #PROBE_EVERY_MS} until it answers; meanwhile its pools refuse at once instead of making
 * every caller wait out the connection timeout, so its tenants' work backs off (the sink NAKs and
 * the data waits in JetStream) and the shared workers stay free for the other tenants. Nothing
 * runs for a server that is up.
 */
public final class ServerStates {

    private static final Logger log = LoggerFactory.getLogger(ServerStates.class);
    static final long PROBE_EVERY_MS = 2_000;
    private static final int PROBE_TIMEOUT_S = 3;

    public enum Health { up, down }

    /** One server as this core sees it; {@code lastError} only when it is down. */
    public record State(String server, Health health, Instant since, String lastError) {
    }

    private final Map<String, State> states = new ConcurrentHashMap<>();
    private final Set<String> probing = ConcurrentHashMap.newKeySet();
    private final Function<String, PgServer> connections;
    private final ScheduledExecutorService scheduler;
    private final List<Consumer<State>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    ServerStates(Function<String, PgServer> connections, ScheduledExecutorService scheduler) {
        this.connections = connections;
        this.scheduler = scheduler;
    }

    public boolean isDown(String server) {
        State s = states.get(server);
        return s != null && s.health() == Health.down;
    }

    /** Every server this core has used, up or down, by name. */
    public List<State> snapshot() {
        List<State> all = new ArrayList<>(states.values());
        all.sort(Comparator.comparing(State::server));
        return all;
    }

    /** The servers found down, by name. */
    public List<State> down() {
        return snapshot().stream().filter(s -> s.health() == Health.down).toList();
    }

    /** Called on every change of a server's health (a metrics gauge, a log line, fleet health). */
    public void onChange(Consumer<State> listener) {
        listeners.add(listener);
    }

    private volatile io.micrometer.core.instrument.MeterRegistry metrics;
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();

    /**
     * Gauges {@code og_pg_server_up{server}} (1 up, 0 down) for every server this core works with,
     * and {@code og_tenant_server_up{tenant, server}} for every tenant whose pools it opened.
     */
    public void bindTo(io.micrometer.core.instrument.MeterRegistry registry) {
        this.metrics = registry;
        states.keySet().forEach(this::gauge);
    }

    /** A server this core works with: known as up until shown otherwise. */
    void known(String server) {
        states.putIfAbsent(server, new State(server, Health.up, Instant.now(), null));
        gauge(server);
    }

    /** The tenant's work runs on {@code server}. */
    void known(String tenant, String server) {
        known(server);
        var registry = metrics;
        if (registry != null && gauged.add("tenant/" + tenant)) {
            io.micrometer.core.instrument.Gauge.builder("og.tenant.server.up", this, st -> st.isDown(server) ? 0 : 1)
                    .description("1 while the tenant's Postgres server is reachable, 0 while it is down (its data waits in JetStream)")
                    .tag("tenant", tenant).tag("server", server)
                    .register(registry);
        }
    }

    private void gauge(String server) {
        var registry = metrics;
        if (registry != null && gauged.add("server/" + server)) {
            io.micrometer.core.instrument.Gauge.builder("og.pg.server.up", this, st -> st.isDown(server) ? 0 : 1)
                    .description("1 while this core reaches the Postgres server, 0 while it is down")
                    .tag("server", server)
                    .register(registry);
        }
    }

    /** Work on {@code server} failed in a way that may be the server (not the data): one probe decides. */
    public void suspect(String server) {
        if (probing.add(server)) {
            scheduler.execute(() -> probe(server));
        }
    }

    private final Map<String, List<Runnable>> whenUp = new java.util.HashMap<>();

    /**
     * Runs {@code action} once, when a probe next finds {@code server} answering (at once if it
     * does now), on the probe thread: hand any real work to a pool. Starts that probe.
     */
    public void whenUp(String server, Runnable action) {
        synchronized (whenUp) {
            whenUp.computeIfAbsent(server, k -> new ArrayList<>()).add(action);
        }
        suspect(server); // after the add: a probe that already drained the list has left `probing`
    }

    /** A failure to reach a server (SQLSTATE class 08, 57P0x, a refused socket), not a busy pool or bad data. */
    public static boolean unreachable(Throwable failure) {
        return CappedDataSource.unreachable(failure);
    }

    private void probe(String server) {
        try {
            reach(connections.apply(server));
        } catch (Exception e) {
            if (!full(e)) {
                markDown(server, e);
                scheduler.schedule(() -> probe(server), PROBE_EVERY_MS, TimeUnit.MILLISECONDS);
                return;
            }
            // "too many clients" (53300): the server answered, it is up but full. Marked down, all
            // its tenants' work would be refused until the next probe, over connections that come
            // free within moments
            log.debug("Postgres server {} answered the probe with too many clients: up, but full", server);
        }
        probing.remove(server);
        markUp(server);
        List<Runnable> due;
        synchronized (whenUp) {
            due = whenUp.remove(server);
        }
        for (Runnable r : due == null ? List.<Runnable>of() : due) {
            try {
                r.run();
            } catch (RuntimeException e) {
                log.error("after Postgres server {} came back", server, e);
            }
        }
    }

    /** SQLSTATE 53300 (too many connections): a server that answered, and is full. */
    static boolean full(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && "53300".equals(s.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static void reach(PgServer server) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", server.user());
        if (server.password() != null) {
            p.setProperty("password", server.password());
        }
        p.setProperty("connectTimeout", Integer.toString(PROBE_TIMEOUT_S));
        p.setProperty("socketTimeout", Integer.toString(PROBE_TIMEOUT_S));
        p.setProperty("loginTimeout", Integer.toString(PROBE_TIMEOUT_S));
        p.setProperty("ApplicationName", "omniglass-core probe");
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), p); Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        }
    }

    private void markDown(String server, Throwable cause) {
        String why = String.valueOf(cause.getMessage()).lines().findFirst().orElse(cause.toString());
        State before = states.get(server);
        if (before != null && before.health() == Health.down) {
            states.put(server, new State(server, Health.down, before.since(), why));
            return;
        }
        State now = new State(server, Health.down, Instant.now(), why);
        states.put(server, now);
        log.warn("Postgres server {} is down ({}): its tenants wait, the others go on", server, why);
        listeners.forEach(l -> l.accept(now));
    }

    private void markUp(String server) {
        State before = states.get(server);
        State now = new State(server, Health.up, Instant.now(), null);
        states.put(server, now);
        if (before != null && before.health() == Health.down) {
            log.info("Postgres server {} is back after {} s", server,
                    java.time.Duration.between(before.since(), now.since()).toSeconds());
            listeners.forEach(l -> l.accept(now));
        }
    }
}
