package io.omniglass.core.rules;

import io.javalin.Javalin;
import io.nats.client.Dispatcher;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.alarms.AlarmRoutes;
import io.omniglass.core.alarms.AlarmService;
import io.omniglass.core.lineage.LineageRoutes;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Rules, alarms and actions for every active tenant: the event-rule evaluator on the data lane,
 * the action rules on the alarm change feed, calculated datapoints, and the scheduled checks
 * (snooze expiry, no-data rules). Rules are held in memory and reloaded when they change: on
 * this instance's own writes and on the CDC feed of the rule tables (other instances' writes).
 */
public final class RulesModule implements CoreModule {

    private static final Logger log = LoggerFactory.getLogger(RulesModule.class);
    /** How often the scheduled checks run; the tests shorten it. */
    static final long CHECK_INTERVAL_MS = Long.getLong("omniglass.rules.checkIntervalMs", 1000);

    private final Map<String, TenantRules> tenants = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private CoreContext ctx;

    @Override
    public String name() {
        return "rules";
    }

    @Override
    public void start(CoreContext ctx) {
        this.ctx = ctx;
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "og-rules-scheduler");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::scheduledChecks, CHECK_INTERVAL_MS, CHECK_INTERVAL_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void routes(Javalin app, CoreContext ctx) {
        EventRuleRoutes.register(app, ctx, this);
        AlarmRoutes.register(app, ctx);
        LineageRoutes.register(app, ctx);
    }

    @Override
    public void tenantActive(CoreContext ctx, Tenant tenant) throws Exception {
        // alarm transitions, actions and calculations commit here: each commit wakes the tenant's CDC
        DSLContext db = io.omniglass.core.cdc.CdcWakeups.wakingDsl(ctx.tenantDataSource(tenant), tenant.slug());
        TenantRules t = new TenantRules(tenant.slug(), db);
        t.reload();
        t.engine = new RuleEngine(tenant.slug(), ctx.nats(), db, () -> t.eventRules, ctx.metrics());
        t.actions = new ActionEngine(tenant.slug(), ctx.nats(), db);
        t.calc = new CalcEngine(tenant.slug(), ctx.nats(), db);
        t.engine.start();
        t.actions.start();
        t.calc.start();
        // other instances' rule edits arrive as committed changes on the CDC feed
        t.changes = ctx.nats().createDispatcher(m -> reloadSoon(tenant.slug()));
        for (String table : List.of("event_rule", "event_rule_version", "calc_rule", "calc_rule_version")) {
            t.changes.subscribe(TenantStreams.cdcSubject(tenant.slug(), table));
        }
        TenantRules previous = tenants.put(tenant.slug(), t);
        if (previous != null) {
            previous.close();
        }
        log.info("rules active for tenant {}: {} event rules", tenant.slug(), t.eventRules.size());
    }

    /** Whether this instance evaluates rules for the tenant (tests wait for it). */
    public boolean serving(String slug) {
        return tenants.containsKey(slug);
    }

    /** One reload for a burst of rule changes (an import commits many rows at once). */
    private void reloadSoon(String slug) {
        TenantRules t = tenants.get(slug);
        if (t != null && t.reloadPending.compareAndSet(false, true)) {
            scheduler.schedule(() -> {
                t.reloadPending.set(false);
                reload(slug);
            }, 50, TimeUnit.MILLISECONDS);
        }
    }

    /** Reloads a tenant's rules now (after a write on this instance). */
    public void reload(String slug) {
        TenantRules t = tenants.get(slug);
        if (t != null) {
            try {
                t.reload();
            } catch (RuntimeException e) {
                log.warn("tenant {}: reloading rules failed: {}", slug, e.toString());
            }
        }
    }

    private long ticks;

    private void scheduledChecks() {
        // snoozes end on time (every tick); silence is looked for every 5th tick, it is measured in tens of seconds
        boolean noData = ticks++ % 5 == 0;
        for (TenantRules t : tenants.values()) {
            try {
                AlarmService.system(t.db).expireSnoozes();
                if (!noData) {
                    continue;
                }
                for (AlarmTransitions.Transition tr : NoDataCheck.run(t.db, t.eventRules)) {
                    log.info("tenant {}: no data, alarm {} raised (event {})", t.slug, tr.alarmId(), tr.eventId());
                }
            } catch (RuntimeException e) {
                log.warn("tenant {}: scheduled rule checks failed: {}", t.slug, e.toString());
            }
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        tenants.values().forEach(TenantRules::close);
        tenants.clear();
    }

    private final class TenantRules implements AutoCloseable {
        final String slug;
        final DSLContext db;
        volatile List<EventRuleDef> eventRules = List.of();
        RuleEngine engine;
        ActionEngine actions;
        CalcEngine calc;
        Dispatcher changes;
        final java.util.concurrent.atomic.AtomicBoolean reloadPending = new java.util.concurrent.atomic.AtomicBoolean();

        TenantRules(String slug, DSLContext db) {
            this.slug = slug;
            this.db = db;
        }

        /** Rule versions already judged against the present (see {@link CatchUp}). */
        final java.util.Set<String> caughtUp = ConcurrentHashMap.newKeySet();

        void reload() {
            eventRules = List.copyOf(EventRuleStore.enabled(db));
            if (calc != null) {
                calc.refresh();
            }
            List<EventRuleDef> fresh = eventRules.stream().filter(r -> !caughtUp.contains(r.id() + "/" + r.version())).toList();
            if (!fresh.isEmpty() && scheduler != null) {
                fresh.forEach(r -> caughtUp.add(r.id() + "/" + r.version()));
                // now, and once more when the sink has surely stored what crossed the lane meanwhile
                try {
                    scheduler.execute(() -> catchUp(fresh));
                    scheduler.schedule(() -> catchUp(fresh), 3, TimeUnit.SECONDS);
                } catch (java.util.concurrent.RejectedExecutionException stopping) {
                    // the module is closing
                }
            }
        }

        private void catchUp(List<EventRuleDef> fresh) {
            try {
                for (AlarmTransitions.Transition tr : CatchUp.run(db, fresh)) {
                    log.info("tenant {}: alarm {} {} on the present values (event {})", slug, tr.alarmId(), tr.name(), tr.eventId());
                }
            } catch (RuntimeException e) {
                log.warn("tenant {}: judging new rules against the present values failed: {}", slug, e.toString());
            }
        }

        @Override
        public void close() {
            if (changes != null) {
                ctx.nats().closeDispatcher(changes);
            }
            for (AutoCloseable c : new AutoCloseable[]{engine, actions, calc}) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (Exception e) {
                    log.warn("tenant {}: closing rules: {}", slug, e.toString());
                }
            }
        }
    }
}
