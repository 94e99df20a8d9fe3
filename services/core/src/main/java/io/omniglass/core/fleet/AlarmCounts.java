package io.omniglass.core.fleet;

import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.schema.tenant.enums.AlarmState;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static io.omniglass.schema.tenant.Tables.ALARM;

/**
 * Active and unacknowledged alarms per tenant, counted once and kept until the tenant's alarms
 * change: every alarm change of any core reaches the CDC feed ({@code og.<t>.cdc.alarm}), which
 * bumps the tenant's version, and the next board counts that tenant again. A board of 200 quiet
 * tenants therefore asks no database at all; one alarm raised costs one count of one tenant.
 * A request counts for at most {@link FleetBoard#COUNT_BUDGET} and leaves the rest to two
 * background threads, so the first board of 200 tenants is not 200 queries long.
 */
final class AlarmCounts {

    private static final Logger log = LoggerFactory.getLogger(AlarmCounts.class);

    record Counts(long active, long unacked) {
    }

    private record Counted(long version, Counts counts) {
    }

    private final Map<String, AtomicLong> versions = new ConcurrentHashMap<>();
    private final Map<String, Counted> counted = new ConcurrentHashMap<>();
    private final java.util.Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Two threads at most, none when idle; each tenant queued once (see {@link #inFlight}). */
    private final java.util.concurrent.ThreadPoolExecutor background = backgroundPool();

    private static java.util.concurrent.ThreadPoolExecutor backgroundPool() {
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(2, 2, 30,
                java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
                io.omniglass.core.runtime.DaemonThreads.numbered("og-fleet-alarms-"));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    void close() {
        background.shutdownNow();
    }

    /** The tenant's alarms changed (or it just became active here): count it again when next asked. */
    void changed(String slug) {
        versions.computeIfAbsent(slug, s -> new AtomicLong()).incrementAndGet();
    }

    /**
     * The counts, from memory when nothing changed since they were counted. Until {@code deadlineNanos}
     * a tenant to count is counted now; after it (the first board of a large fleet, which counts
     * every tenant once) it is counted in the background and the last counts, or null, are
     * answered meanwhile: the next refresh has it. Null also when the database did not answer.
     */
    Counts of(Gateway gateway, Tenant tenant, long deadlineNanos) {
        long version = versions.computeIfAbsent(tenant.slug(), s -> new AtomicLong()).get();
        Counted c = counted.get(tenant.slug());
        if (c != null && c.version() == version) {
            return c.counts();
        }
        if (System.nanoTime() - deadlineNanos < 0) {
            Counts fresh = countNow(gateway, tenant, version);
            return fresh != null ? fresh : c == null ? null : c.counts();
        }
        if (inFlight.add(tenant.slug())) {
            background.execute(() -> {
                try {
                    countNow(gateway, tenant, version);
                } finally {
                    inFlight.remove(tenant.slug());
                }
            });
        }
        return c == null ? null : c.counts();
    }

    private Counts countNow(Gateway gateway, Tenant tenant, long version) {
        try {
            Counts fresh = count(gateway.system(tenant, Action.READ_ALARMS));
            // a change that arrives while counting bumps the version past this one: counted again next time
            counted.put(tenant.slug(), new Counted(version, fresh));
            return fresh;
        } catch (RuntimeException e) {
            log.debug("fleet health: alarms of {} not counted: {}", tenant.slug(), e.toString());
            return null;
        }
    }

    /** Within a scoped session (a token narrowed to part of a tenant counts only what it may see). */
    static Counts count(GatewaySession s) {
        return s.read(tx -> {
            var r = tx.select(DSL.count(), DSL.count().filterWhere(ALARM.ACKED.isFalse()))
                    .from(ALARM)
                    .where(ALARM.STATE.eq(AlarmState.active).and(s.visible(OwnerColumns.ALARM_OWNER)))
                    .fetchSingle();
            return new Counts(r.value1(), r.value2());
        });
    }
}
