package io.omniglass.core.rules;

import io.javalin.http.Context;
import io.micrometer.core.instrument.MeterRegistry;
import io.omniglass.api.EventRuleBacktest;
import io.omniglass.api.EventRuleBacktestRequest;
import io.omniglass.api.WireJson;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.HttpParams;
import io.omniglass.core.lifecycle.ColdTier;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.SERIES;

/**
 * {@code POST /api/v1/tenants/{t}/event-rules:backtest}: a draft rule (the body a create takes,
 * checked the same way) over {@code from}/{@code to} of history, hot and cold, in one snapshot.
 * Everything a 400 can say is said before the run (the draft, the span, the series, the number of
 * points); a run longer than a quarter second sends a space every quarter second before the JSON body, so a client
 * that went away is noticed at the next one and the run stops (its transaction rolled back).
 */
final class BacktestRoute {

    private static final Logger log = LoggerFactory.getLogger(BacktestRoute.class);
    private static final String EXAMPLE = "{\"rule\": {\"name\": \"...\", \"selector\": \"component:pump-*\", \"key\": \"...\", "
            + "\"condition\": {\"type\": \"high\", \"threshold\": 85, \"deadband\": 5}, \"severity\": \"error\"}, "
            + "\"from\": \"2026-11-01T00:00:00Z\", \"to\": \"2026-11-08T00:00:00Z\"}";

    /** Backtests run to the end or stopped because the client went away ({@code outcome}). */
    static final String RUNS = "og_rules_backtests";

    private BacktestRoute() {
    }

    static void handle(Context ctx, GatewaySession s, ColdTier cold, MeterRegistry metrics) {
        EventRuleBacktestRequest req = HttpParams.body(ctx, EventRuleBacktestRequest.class, EXAMPLE);
        if (req.rule() == null) {
            throw ApiException.badRequest("'rule' is required: the draft, as a create takes it; expected " + EXAMPLE);
        }
        EventRuleDef rule;
        try {
            rule = EventRuleStore.draft(req.rule());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        OffsetDateTime to = req.to() != null ? req.to() : OffsetDateTime.now().plusSeconds(1);
        OffsetDateTime from = req.from() != null ? req.from() : to.minus(Duration.ofHours(24));
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("'from' must be before 'to'");
        }
        if (Duration.between(from, to).compareTo(RuleBacktest.MAX_SPAN) > 0) {
            throw ApiException.badRequest("the span is longer than " + RuleBacktest.MAX_SPAN.toDays()
                    + " days; backtest a shorter span");
        }
        if (req.series() != null && req.series().size() > RuleBacktest.MAX_SERIES) {
            throw ApiException.badRequest("'series' names more than " + RuleBacktest.MAX_SERIES + " series");
        }
        Watch watch = new Watch(ctx);
        EventRuleBacktest result;
        try {
            result = s.readSnapshot(tx -> {
                var rows = tx.select(SERIES.ID, SERIES.OWNER, SERIES.KIND).from(SERIES)
                        .join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID))
                        .where(DATAPOINT_TYPE.NAME.eq(rule.key()))
                        .and(SERIES.OWNER.like(rule.selector().likePattern(), '\\'))
                        .and(SERIES.PROVENANCE.in(Provenance.observed, Provenance.calculated)) // a command is not a measurement
                        .and(req.series() == null ? DSL.noCondition() : SERIES.ID.in(req.series()))
                        .and(s.visible(OwnerColumns.SERIES_OWNER))
                        .orderBy(SERIES.ID).limit(RuleBacktest.MAX_SERIES + 1).fetch();
                List<RuleBacktest.Target> targets = new ArrayList<>();
                DatapointKind kind = DatapointKind.metric;
                for (var r : rows) {
                    if (rule.selector().matches(r.value2())) { // LIKE is the index's prefilter; the glob decides
                        targets.add(new RuleBacktest.Target(r.value1(), r.value2()));
                        kind = r.value3();
                    }
                }
                if (targets.size() > RuleBacktest.MAX_SERIES) {
                    throw ApiException.badRequest("the rule selects more than " + RuleBacktest.MAX_SERIES
                            + " series; narrow the selector or name the 'series'");
                }
                if (req.series() != null) {
                    Set<Long> found = new HashSet<>();
                    targets.forEach(t -> found.add(t.seriesId()));
                    for (Long id : req.series()) {
                        if (id == null || !found.contains(id)) {
                            throw ApiException.badRequest("series " + id + " is not one the rule selects (key '"
                                    + rule.key() + "', selector '" + rule.selector().glob() + "')");
                        }
                    }
                }
                List<Long> ids = targets.stream().map(RuleBacktest.Target::seriesId).toList();
                long points = RuleBacktest.count(tx, cold, kind, ids, from, to, RuleBacktest.MAX_POINTS + 1);
                if (points > RuleBacktest.MAX_POINTS) {
                    throw ApiException.badRequest("the span holds more than " + String.format("%,d", RuleBacktest.MAX_POINTS)
                            + " datapoints of the selected series; backtest a shorter span or fewer series");
                }
                return RuleBacktest.run(tx, cold, rule, kind, targets, from, to, watch::tick);
            });
        } catch (RuleBacktest.Cancelled e) {
            log.info("tenant {}: backtest of '{}' stopped: {}", s.tenant().slug(), rule.name(), e.getMessage());
            metrics.counter(RUNS, "outcome", "cancelled").increment();
            return;
        }
        // counted once delivered: a run that ended before the heartbeat noticed the client leave is
        // one nobody received (on a quiet machine a run can end before its second heartbeat)
        metrics.counter(RUNS, "outcome", watch.answer(result) ? "answered" : "cancelled").increment();
    }

    /** The heartbeat: spaces before the body while the run is long, and the end of the run when nobody listens. */
    private static final class Watch {
        private static final long BEAT_NANOS = 250_000_000L;
        private final Context ctx;
        private final long started = System.nanoTime();
        private long lastBeat = started;
        private OutputStream out;

        Watch(Context ctx) {
            this.ctx = ctx;
        }

        void tick(long points) {
            if (Thread.currentThread().isInterrupted()) {
                throw new RuleBacktest.Cancelled("interrupted after " + points + " points");
            }
            long now = System.nanoTime();
            if (now - lastBeat < BEAT_NANOS) {
                return;
            }
            lastBeat = now;
            try {
                if (out == null) {
                    ctx.status(200).contentType("application/json");
                    out = ctx.res().getOutputStream(); // Javalin's own stream holds small writes back (to decide on compression)
                }
                out.write(' ');
                out.flush();
            } catch (IOException | RuntimeException e) {
                throw new RuleBacktest.Cancelled("the client went away after " + points + " points");
            }
        }

        /** Whether the answer went out (false: the client had gone). */
        boolean answer(EventRuleBacktest result) {
            if (out == null) {
                ctx.json(result);
                return true;
            }
            try {
                WireJson.mapper().writeValue(new NonClosing(out), result);
                out.flush();
                return true;
            } catch (IOException e) {
                log.info("backtest answer not delivered: the client went away");
                return false;
            }
        }
    }

    /** Jackson closes the stream it wrote to; Javalin finishes the response itself. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
