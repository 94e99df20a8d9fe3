package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The tenants a core could not bring up because their Postgres server did not answer (down when
 * the core started, or gone while their schema was converged): each is brought up when the server
 * answers again, without a restart. Nothing polls for them: the server's own probe (one thread,
 * every {@link ServerStates#PROBE_EVERY_MS} ms, only while a server is down) says when, and the
 * bring-ups then run on a small pool whose threads exist only while there is such work.
 */
public final class TenantsAwaitingServers implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TenantsAwaitingServers.class);
    private static final int THREADS = 4;

    private final ServerStates states;
    private final Consumer<String> bringUp;
    private final Set<String> waiting = ConcurrentHashMap.newKeySet();
    private final ThreadPoolExecutor pool;

    /** {@code bringUp}: converge and activate the tenant of this slug (it may fail again and come back here). */
    public TenantsAwaitingServers(ServerStates states, Consumer<String> bringUp) {
        this.states = states;
        this.bringUp = bringUp;
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                DaemonThreads.numbered("og-tenant-return-"));
        pool.allowCoreThreadTimeOut(true);
    }

    /**
     * When {@code failure} (bringing {@code tenant} up) is its server not answering, the tenant
     * waits for the server and true is returned; any other failure is the caller's to report.
     */
    public boolean awaitIfUnreachable(Tenant tenant, RuntimeException failure) {
        if (pool.isShutdown() || !(ServerStates.unreachable(failure) || states.isDown(tenant.server()))) {
            return false;
        }
        if (waiting.add(tenant.slug())) {
            log.warn("tenant {} waits for its Postgres server {} ({}): it is brought up when the server answers",
                    tenant.slug(), tenant.server(), String.valueOf(failure.getMessage()).lines().findFirst().orElse(""));
            states.whenUp(tenant.server(), () -> {
                if (!pool.isShutdown()) {
                    pool.execute(() -> {
                        waiting.remove(tenant.slug());
                        bringUp.accept(tenant.slug());
                    });
                }
            });
        }
        return true;
    }

    /** Slugs of the tenants waiting for their server. */
    public Set<String> waiting() {
        return Set.copyOf(waiting);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
