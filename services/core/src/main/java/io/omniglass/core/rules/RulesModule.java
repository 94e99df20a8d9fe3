package io.omniglass.core.rules;

import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.SystemPurpose;
import io.omniglass.core.alarms.AlarmTransitions;
import io.javalin.Javalin;
import io.nats.client.Dispatcher;
import io.nats.client.Subscription;
import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.alarms.AlarmService;
import io.omniglass.core.lanes.Lane;
import io.omniglass.core.lanes.Lanes;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.time.OffsetDateTime;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.omniglass.schema.tenant.Tables.ALARM;

/**
 * Rules, alarms and actions for every active tenant: the event-rule evaluator on the data lane,
 * the action rules on the alarm change feed, calculated datapoints, and the timed checks
 * (snooze expiry, no-data rules). Rules are held in memory and reloaded when they change: on
 * this instance's own writes and on the CDC feed of the rule tables (other instances' writes).
 * Everything runs as lanes on the core's shared workers; the timed checks are armed per tenant
 * only where there is something to time (a snooze's end, a no-data rule), so an idle tenant
 * costs no query and no thread.
 */
public final class RulesModule implements CoreModule {

    private static final Logger log = LoggerFactory.getLogger(RulesModule.class);
    /** How often silence is looked for (no-data rules), in fifths; the tests shorten it. */
    static final long CHECK_INTERVAL_MS = io.omniglass.core.runtime.TestHooks.rulesCheckIntervalMs();
    private static final String ALARMS = "/api/v1/tenants/{t}/alarms";

    private final Map<String, TenantRules> tenants = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private Lanes lanes;
    private CoreContext ctx;

    @Override
    public String name() {
        return "rules";
    }

    @Override
    public void start(CoreContext ctx) {
        this.ctx = ctx;
        this.lanes = ctx.lanes();
        // the shared timer: timed checks are armed per tenant, only where there is something to time
        this.scheduler = lanes.timers();
    }

    @Override
    public void routes(Javalin app, CoreContext ctx) {
        EventRuleRoutes.register(app, ctx, this);
        // a snooze made here (alarms.AlarmsModule serves it) arms this instance's timer for its end (other instances' come by CDC)
        app.after(ALARMS + "/{idAction}", c -> {
            if (c.method() == io.javalin.http.HandlerType.POST && c.statusCode() == 200
                    && c.pathParam("idAction").endsWith(":snooze")) {
                snoozesChanged(c.pathParam("t"));
            }
        });
        app.after(ALARMS + ":snooze", c -> {
            if (c.statusCode() == 200) {
                snoozesChanged(c.pathParam("t"));
            }
        });
    }

    @Override
    public void tenantActive(CoreContext ctx, Tenant tenant) throws Exception {
        // alarm transitions, actions and calculations commit here: each commit wakes the tenant's CDC
        DSLContext db = Gateway.forCore(ctx).system(tenant, SystemPurpose.RULES).dsl();
        TenantRules t = new TenantRules(tenant.slug(), db);
        t.reload();
        LaneWindow window = new LaneWindow(ctx.acceptedWindows().of(tenant.slug(), db));
        t.engine = new RuleEngine(tenant.slug(), lanes, ctx.nats(), db, () -> t.eventRules, window, ctx.metrics(),
                java.time.Duration.ofMillis(ctx.config().tuning().sinkBatchWaitMs()));
        t.actions = new ActionEngine(tenant.slug(), lanes, ctx.nats(), db, row -> {
            if (!row.path("snoozed_until").isNull() && !row.path("snoozed_until").isMissingNode()) {
                snoozesChanged(tenant.slug());
            }
        });
        t.calc = new CalcEngine(tenant.slug(), lanes, db, window);
        t.engine.start();
        t.actions.start();
        t.calc.start();
        // other instances' rule edits arrive as committed changes on the CDC feed
        Dispatcher shared = lanes.dispatcher(tenant.slug());
        for (String table : List.of("event_rule", "event_rule_version", "calc_rule", "calc_rule_version")) {
            t.changes.add(shared.subscribe(TenantStreams.cdcSubject(tenant.slug(), table), m -> reloadSoon(tenant.slug())));
        }
        t.armNoData();
        t.snoozeCheckIn(0);
        TenantRules previous = tenants.put(tenant.slug(), t);
        if (previous != null) {
            previous.close();
        }
        // a rule change committed after the first load and before the subscriptions (or before the
        // tenant was listed, when a change's reload finds nothing to reload: an import right after
        // the tenant was created) would otherwise wait for the next change: read them once more
        t.reload();
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
            scheduler.schedule(() -> t.due(t.reloadDue), 50, TimeUnit.MILLISECONDS);
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

    /** Snoozes of the tenant were set or changed: look for the earliest end again. */
    private void snoozesChanged(String slug) {
        TenantRules t = tenants.get(slug);
        if (t != null) {
            t.snoozeCheckIn(0);
        }
    }

    @Override
    public void close() {
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
        final List<Subscription> changes = new java.util.ArrayList<>();
        final AtomicBoolean reloadPending = new AtomicBoolean();
        /** The timed work of the tenant (reloads, catch-ups, snooze ends, silence), a lane of its own. */
        final Lane timed;
        final AtomicBoolean reloadDue = new AtomicBoolean();
        final AtomicBoolean snoozeDue = new AtomicBoolean();
        final AtomicBoolean noDataDue = new AtomicBoolean();
        final java.util.Queue<List<EventRuleDef>> catchUps = new java.util.concurrent.ConcurrentLinkedQueue<>();
        private ScheduledFuture<?> snoozeTimer;
        private long snoozeTimerAt = Long.MAX_VALUE;
        private ScheduledFuture<?> noDataTimer;
        private volatile boolean closed;

        TenantRules(String slug, DSLContext db) {
            this.slug = slug;
            this.db = db;
            this.timed = lanes.lane("rules-timed:" + slug, this::timedTurn);
        }

        void due(AtomicBoolean flag) {
            flag.set(true);
            timed.signal();
        }

        private boolean timedTurn() {
            if (reloadDue.getAndSet(false)) {
                reloadPending.set(false);
                RulesModule.this.reload(slug);
            }
            for (List<EventRuleDef> fresh; (fresh = catchUps.poll()) != null; ) {
                catchUp(fresh);
            }
            boolean more = false;
            if (snoozeDue.getAndSet(false)) {
                more = expireSnoozes();
            }
            if (noDataDue.getAndSet(false)) {
                try {
                    for (AlarmTransitions.Transition tr : NoDataCheck.run(db, eventRules)) {
                        log.info("tenant {}: no data, alarm {} raised (event {})", slug, tr.alarmId(), tr.eventId());
                    }
                } catch (RuntimeException e) {
                    log.warn("tenant {}: the no-data check failed: {}", slug, e.toString());
                }
            }
            return more;
        }

        /** Ends the snoozes due now and arms the timer for the next end; true when a full page was ended (more now). */
        private boolean expireSnoozes() {
            try {
                int ended = AlarmService.system(db).expireSnoozes();
                if (ended >= 200) {
                    snoozeDue.set(true);
                    return true;
                }
                OffsetDateTime next = db.select(DSL.min(ALARM.SNOOZED_UNTIL)).from(ALARM)
                        .where(ALARM.SNOOZED_UNTIL.isNotNull()).fetchOne(0, OffsetDateTime.class);
                synchronized (this) {
                    snoozeTimerAt = Long.MAX_VALUE;
                }
                if (next != null) {
                    snoozeCheckIn(Math.max(0, next.toInstant().toEpochMilli() - System.currentTimeMillis()));
                }
            } catch (RuntimeException e) {
                log.warn("tenant {}: ending snoozes failed (trying again in 5 s): {}", slug, e.toString());
                snoozeCheckIn(5_000);
            }
            return false;
        }

        /** Arms the snooze timer to fire in {@code millis} unless it fires sooner already. */
        synchronized void snoozeCheckIn(long millis) {
            long at = System.currentTimeMillis() + millis;
            if (closed || (snoozeTimer != null && !snoozeTimer.isDone() && snoozeTimerAt <= at)) {
                return;
            }
            if (snoozeTimer != null) {
                snoozeTimer.cancel(false);
            }
            snoozeTimerAt = at;
            try {
                snoozeTimer = scheduler.schedule(() -> due(snoozeDue), millis, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException stopping) {
                // the core is stopping
            }
        }

        /** Silence is looked for on a timer only while the tenant has no-data rules. */
        synchronized void armNoData() {
            boolean wanted = !closed && eventRules.stream().anyMatch(r -> r.condition() instanceof Condition.NoData);
            if (wanted && noDataTimer == null) {
                long every = 5 * CHECK_INTERVAL_MS;
                try {
                    noDataTimer = scheduler.scheduleWithFixedDelay(() -> due(noDataDue), every, every, TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException stopping) {
                    // the core is stopping
                }
            } else if (!wanted && noDataTimer != null) {
                noDataTimer.cancel(false);
                noDataTimer = null;
            }
        }

        /** Rule versions already judged against the present (see {@link CatchUp}). */
        final java.util.Set<String> caughtUp = ConcurrentHashMap.newKeySet();

        void reload() {
            eventRules = List.copyOf(EventRuleStore.enabled(db));
            if (calc != null) {
                calc.refresh();
            }
            if (timed != null) {
                armNoData();
            }
            List<EventRuleDef> fresh = eventRules.stream().filter(r -> !caughtUp.contains(r.id() + "/" + r.version())).toList();
            if (!fresh.isEmpty() && scheduler != null) {
                fresh.forEach(r -> caughtUp.add(r.id() + "/" + r.version()));
                // now, and once more when the sink has surely stored what crossed the lane meanwhile
                try {
                    catchUps.add(fresh);
                    timed.signal();
                    scheduler.schedule(() -> {
                        catchUps.add(fresh);
                        timed.signal();
                    }, 3, TimeUnit.SECONDS);
                } catch (RejectedExecutionException stopping) {
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
            synchronized (this) {
                closed = true;
                if (snoozeTimer != null) {
                    snoozeTimer.cancel(false);
                }
                if (noDataTimer != null) {
                    noDataTimer.cancel(false);
                }
            }
            Dispatcher shared = lanes.dispatcher(slug);
            for (Subscription sub : changes) {
                try {
                    shared.unsubscribe(sub);
                } catch (RuntimeException e) {
                    // the connection is closing
                }
            }
            timed.close(3000);
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
