package io.omniglass.core.similar;

import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.api.lane.ChangeMessage;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.Javalin;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.tenancy.Tenant;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Similar past alarms: fingerprints of every alarm raise and the {@code /alarms/{id}/similar}
 * search. A raise is fingerprinted right after it commits: the CDC feed carries the committed
 * {@code alarm.raised} event row to one instance (a queue group over every tenant's event subject,
 * one subscription whatever the number of tenants), which hands it to a small executor shared by
 * all tenants (bounded threads and queue; its threads end when idle). The raises that wait for the
 * executor are kept per tenant, and a tenant's turn fingerprints all of them (up to {@link #BATCH})
 * in one transaction: while the executor keeps up that is one raise, when it falls behind the raises
 * queued for a tenant share its commit (the fleet's cost per raise falls as its load rises). Raises
 * from before the feature, or missed while no core listened, are fingerprinted at tenant start on
 * the same executor.
 */
public final class SimilarModule implements CoreModule {

    private static final Logger log = LoggerFactory.getLogger(SimilarModule.class);
    static final String QUEUE_GROUP = "og-similar";
    private static final int THREADS = 2;
    private static final int QUEUE = 10_000;
    private static final int BACKFILL_BATCH = 200;
    /** At most this many raises of one tenant in one transaction. */
    static final int BATCH = 100;

    /** Per tenant, the raises waiting for its turn (a tenant is in here while its turn is queued). */
    private final Map<String, Set<Long>> pending = new ConcurrentHashMap<>();
    /** How many raises wait in {@link #pending}, all tenants together (bounded by {@link #QUEUE}). */
    private final AtomicInteger waiting = new AtomicInteger();

    private final Map<String, DSLContext> tenants = new ConcurrentHashMap<>();
    private final Map<String, Boolean> ready = new ConcurrentHashMap<>();
    private ThreadPoolExecutor workers;
    private Dispatcher raises;
    private CoreContext ctx;

    @Override
    public String name() {
        return "similar";
    }

    @Override
    public void start(CoreContext ctx) {
        this.ctx = ctx;
        workers = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE),
                io.omniglass.core.runtime.DaemonThreads.numbered("og-similar-"));
        workers.allowCoreThreadTimeOut(true);
        raises = ctx.nats().createDispatcher(this::onEventChange);
        raises.subscribe("og.*.cdc.event", QUEUE_GROUP);
    }

    @Override
    public void routes(Javalin app, CoreContext ctx) {
        SimilarRoutes.register(app, ctx, this);
    }

    @Override
    public void tenantActive(CoreContext ctx, Tenant tenant) throws Exception {
        GatewaySession system = Gateway.forCore(ctx).system(tenant, SystemPurpose.SIMILAR);
        // fingerprints are off the record lane (BootPhase): storing one wakes no CDC drain
        DSLContext db = system.dslOffRecordLane();
        ready.put(tenant.slug(), SimilarSchema.ensure(system::connection));
        tenants.put(tenant.slug(), db);
        submit(() -> backfill(tenant.slug()));
    }

    /** The core's own (unscoped) access to a tenant this instance serves. */
    Optional<DSLContext> db(String slug) {
        return Optional.ofNullable(tenants.get(slug));
    }

    /** Fingerprints every raise of the tenant that has none yet; returns how many it stored. */
    public int backfill(String slug) {
        DSLContext db = tenants.get(slug);
        if (db == null) {
            return 0;
        }
        int stored = 0;
        long last = -1;
        while (true) {
            List<Long> missing = FingerprintStore.missing(db, BACKFILL_BATCH);
            if (missing.isEmpty() || missing.get(missing.size() - 1) == last) {
                break; // done, or the same batch again (every one of them failed)
            }
            last = missing.get(missing.size() - 1);
            stored += fingerprintBatch(slug, db, missing);
        }
        if (stored > 0) {
            log.info("tenant {}: {} earlier alarm raises fingerprinted", slug, stored);
        }
        return stored;
    }

    private void onEventChange(Message m) {
        String[] subject = m.getSubject().split("\\.");
        if (subject.length < 4) {
            return;
        }
        String slug = subject[1];
        try {
            ChangeMessage change = ChangeMessage.read(m.getData());
            JsonNode row = change.rowOrMissing();
            if (ChangeMessage.INSERT.equals(change.op()) && FingerprintStore.RAISED.equals(row.path("name").asText())
                    && row.path("id").canConvertToLong()) {
                raised(slug, row.path("id").asLong());
            }
        } catch (Exception e) {
            log.warn("tenant {}: unreadable event change on {}: {}", slug, m.getSubject(), e.toString());
        }
    }

    /** A committed raise of this tenant: it waits for the tenant's turn (queued with the first one). */
    void raised(String slug, long eventId) {
        if (waiting.get() >= QUEUE) {
            log.warn("similar alarms: fingerprint queue full, a raise waits for the next backfill");
            return;
        }
        boolean[] first = {false};
        pending.compute(slug, (k, ids) -> {
            Set<Long> out = ids;
            if (out == null) {
                out = new LinkedHashSet<>();
                first[0] = true;
            }
            if (out.add(eventId)) {
                waiting.incrementAndGet();
            }
            return out;
        });
        if (first[0] && !submit(() -> turn(slug))) {
            dropPending(slug);
        }
    }

    /** A tenant's turn: what waits for it (up to BATCH raises) in one transaction; again if more wait. */
    private void turn(String slug) {
        List<Long> batch = new ArrayList<>();
        boolean[] more = {false};
        pending.computeIfPresent(slug, (k, ids) -> {
            Iterator<Long> it = ids.iterator();
            while (it.hasNext() && batch.size() < BATCH) {
                batch.add(it.next());
                it.remove();
            }
            more[0] = !ids.isEmpty();
            return more[0] ? ids : null;
        });
        waiting.addAndGet(-batch.size());
        DSLContext db = tenants.get(slug);
        if (db != null && !batch.isEmpty()) {
            fingerprintBatch(slug, db, batch);
        }
        if (more[0] && !submit(() -> turn(slug))) {
            dropPending(slug);
        }
    }

    /** The executor would not take the tenant's turn: nothing will fingerprint what waits, the next start's backfill does. */
    private void dropPending(String slug) {
        Set<Long> dropped = pending.remove(slug);
        if (dropped != null) {
            waiting.addAndGet(-dropped.size());
        }
    }

    /**
     * These raises of one tenant in one transaction; when that fails (one bad raise would take the
     * others with it), each in its own. Returns how many were stored.
     */
    private int fingerprintBatch(String slug, DSLContext db, List<Long> eventIds) {
        try {
            return FingerprintStore.fingerprintAll(db, eventIds);
        } catch (RuntimeException batchFailed) {
            int stored = 0;
            for (long eventId : eventIds) {
                if (fingerprint(slug, db, eventId)) {
                    stored++;
                }
            }
            return stored;
        }
    }

    private boolean fingerprint(String slug, DSLContext db, long eventId) {
        try {
            return FingerprintStore.fingerprint(db, eventId) == FingerprintStore.Outcome.STORED;
        } catch (RuntimeException e) {
            log.warn("tenant {}: fingerprint of raise event {} failed: {}", slug, eventId, e.toString());
            return false;
        }
    }

    /** No fingerprint work running or queued (for tests). */
    boolean idle() {
        return workers.getActiveCount() == 0 && workers.getQueue().isEmpty();
    }

    /** Runs the task on the shared executor; false when it would not take it (full, or stopping). */
    boolean submit(Runnable task) {
        try {
            workers.execute(task);
            return true;
        } catch (RejectedExecutionException full) {
            // the next start's backfill picks up what a full queue (or a stopping core) dropped
            log.warn("similar alarms: fingerprint queue full, a raise waits for the next backfill");
            return false;
        }
    }

    @Override
    public void close() {
        if (raises != null && ctx != null) {
            try {
                ctx.nats().closeDispatcher(raises);
            } catch (RuntimeException ignored) {
                // the connection is closing with the core
            }
        }
        if (workers != null) {
            workers.shutdownNow();
        }
        tenants.clear();
        pending.clear();
        waiting.set(0);
    }
}
