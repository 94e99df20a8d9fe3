package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.DaemonThreads;
import io.omniglass.core.runtime.EmbeddedPostgresServers;
import io.omniglass.core.runtime.PgServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Spreads the embedded default's tenants over several embedded Postgres servers, {@code perServer}
 * each: every logical slot decodes its whole server's WAL, so the fleet's CDC cost is tenants x
 * (their server's WAL), not tenants x (all the WAL) (docs/fleet.md).
 *
 * <p>When every active server holds {@code perServer} tenants, the next placement registers a spare
 * server, which the fewest-tenants placement then fills. The spare is made ahead, in the background,
 * once every server holds half its share: making one (initdb, a first start, the tenant template)
 * takes seconds, under load a minute, that no tenant's provisioning waits for. A tenant placed while
 * the spare is still being made goes on the least full server (the share is a target, not a
 * limit). A spare is started but not registered, so no tenant lands on it early; one left by a stop
 * is found again at the next start. A drained server does not count: with every server drained
 * nothing is added (placement refuses, as before).
 */
public final class EmbeddedServerSupply implements ServerRegistry.Growth, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedServerSupply.class);

    private final EmbeddedPostgresServers servers;
    private final PgServer control;
    private final ReferenceData reference;
    private final int perServer;
    private final int headroom;
    private final ConcurrentLinkedDeque<String> spares = new ConcurrentLinkedDeque<>();
    private final ThreadPoolExecutor ahead;
    private Future<?> making;

    /**
     * @param control the control server: the further ones share its user and password
     * @param reference what a new server's tenant template is made with, ahead of its first tenant
     */
    public EmbeddedServerSupply(EmbeddedPostgresServers servers, PgServer control, ReferenceData reference, int perServer) {
        this.servers = servers;
        this.control = control;
        this.reference = reference;
        this.perServer = perServer;
        this.headroom = Math.max(1, perServer / 2);
        // one thread, only while a spare is being made
        this.ahead = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                DaemonThreads.named("og-pg-spare"));
    }

    /**
     * At start: the running further servers that are registered get their new address; the others
     * are spares. A registered embedded server that did not start (its directory is gone) is
     * pointed nowhere, so its tenants fail plainly instead of reaching whatever now listens on its
     * old port.
     */
    public void registerRunning(ServerRegistry registry) {
        Map<String, Integer> running = servers.furtherPorts();
        for (Map.Entry<String, Integer> e : running.entrySet()) {
            if (registry.find(e.getKey()).isPresent()) {
                registry.ensureOwn(e.getKey(), address(e.getValue()).publicJdbcUrl(""));
            } else {
                spares.add(e.getKey());
            }
        }
        for (ServerRegistry.Server s : registry.list()) {
            if (s.name().startsWith(EmbeddedPostgresServers.NAME_PREFIX) && !running.containsKey(s.name())
                    && s.jdbcUrl().startsWith("jdbc:postgresql://127.0.0.1:")) {
                log.error("embedded Postgres server {} is registered but its directory under postgres/servers is gone: its"
                        + " tenants cannot be served", s.name());
                registry.ensureOwn(s.name(), address(1).publicJdbcUrl(""));
            }
        }
    }

    @Override
    public synchronized void beforePlacement(ServerRegistry registry) {
        if (perServer <= 0) {
            return;
        }
        Map<String, Integer> counts = registry.tenantCounts();
        List<Integer> active = registry.list().stream()
                .filter(s -> s.primary() && !s.draining())
                .map(s -> counts.getOrDefault(s.name(), 0))
                .toList();
        if (active.isEmpty()) {
            return;
        }
        int least = active.stream().mapToInt(Integer::intValue).min().orElseThrow();
        if (least >= perServer) {
            String name = spares.poll();
            if (name != null) {
                registry.ensureOwn(name, address(servers.furtherPorts().get(name)).publicJdbcUrl(""));
                log.info("every Postgres server holds {} tenants or more: new tenants go on {}", perServer, name);
                least = 0;
            }
            // else the spare is still being made: this tenant goes on the least full server (a
            // share is a target, not a limit), never waiting seconds for an initdb
        }
        if (least >= perServer - headroom && spares.isEmpty() && (making == null || making.isDone())) {
            making = ahead.submit(this::makeSpare);
        }
    }

    private void makeSpare() {
        try {
            String name = servers.startAnother();
            TenantTemplate.prepare(address(servers.furtherPorts().get(name)), reference);
            spares.add(name);
        } catch (IOException | RuntimeException e) {
            log.warn("making a spare embedded Postgres server failed (the next placement that needs one tries again): {}",
                    e.toString());
        }
    }

    /** Spares started, with their tenant template, and not yet registered. */
    public int sparesReady() {
        return spares.size();
    }

    /** A further server of this data dir: on loopback, with the control server's user and password. */
    private PgServer address(int port) {
        return new PgServer("127.0.0.1", port, "", control.user(), control.password());
    }

    /** Lets a spare being made finish (it is then one of the servers the infrastructure stops). */
    @Override
    public void close() throws InterruptedException {
        ahead.shutdown();
        if (!ahead.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn("a spare embedded Postgres server was still being made at stop");
        }
    }
}
