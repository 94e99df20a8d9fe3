package io.omniglass.core.tenancy;

import io.omniglass.core.runtime.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The tenants a core could not bring up because their Postgres server did not answer (down when
 * the core started, or gone while their schema was converged): each is brought up when the server
 * answers again, without a restart. Nothing polls for them: the server's own probe (one thread,
 * every {@link ServerStates#PROBE_EVERY_MS} ms, only while a server is down) says when, and the
 * bring-ups then run on a small pool whose threads exist only while there is such work. A tenant
 * that fails again at once although its server answers the probe (its own database refusing
 * connections, say) is retried with a back-off (2 s doubling to a minute), never in a loop.
 */
public final class TenantsAwaitingServers implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TenantsAwaitingServers.class);
    private static final int THREADS = 4;
    private static final long FIRST_RETRY_MS = 2_000;
    private static final long LAST_RETRY_MS = 60_000;
    /** A tenant that last waited longer ago than this starts its back-off afresh. */
    private static final long FORGET_AFTER_MS = 600_000;

    private final ServerStates states;
    private final Consumer<String> bringUp;
    private final Set<String> waiting = ConcurrentHashMap.newKeySet();
    private final ScheduledThreadPoolExecutor pool;
    private final Map<String, Retry> retries = new ConcurrentHashMap<>();

    private record Retry(int attempts, long atMillis) {
    }

    /** {@code bringUp}: converge and activate the tenant of this slug (it may fail again and come back here). */
    public TenantsAwaitingServers(ServerStates states, Consumer<String> bringUp) {
        this.states = states;
        this.bringUp = bringUp;
        this.pool = new ScheduledThreadPoolExecutor(THREADS, DaemonThreads.numbered("og-tenant-return-"));
        pool.setKeepAliveTime(30, TimeUnit.SECONDS);
        pool.allowCoreThreadTimeOut(true);
        pool.setRemoveOnCancelPolicy(true);
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
            long now = System.currentTimeMillis();
            Retry r = retries.compute(tenant.slug(), (k, last) -> last == null || now - last.atMillis() > FORGET_AFTER_MS
                    ? new Retry(0, now) : new Retry(last.attempts() + 1, now));
            long delay = r.attempts() == 0 ? 0 : Math.min(LAST_RETRY_MS, FIRST_RETRY_MS << Math.min(r.attempts() - 1, 5));
            states.whenUp(tenant.server(), () -> {
                if (!pool.isShutdown()) {
                    pool.schedule(() -> {
                        waiting.remove(tenant.slug());
                        bringUp.accept(tenant.slug());
                    }, delay, TimeUnit.MILLISECONDS);
                }
            });
        }
        return true;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
