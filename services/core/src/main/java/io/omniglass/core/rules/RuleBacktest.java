package io.omniglass.core.rules;

import io.omniglass.api.EventRuleBacktest;
import io.omniglass.core.lifecycle.ColdReads;
import io.omniglass.core.lifecycle.ColdTier;
import io.omniglass.schema.tenant.enums.DatapointKind;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.omniglass.schema.tenant.Tables.LOG_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.METRIC_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.STATE_DATAPOINT;

/**
 * A draft event rule run over stored history, hot and cold, one UTC day at a time (memory stays
 * at one day's points): each owner's samples in time order go through {@link RuleDecision}, the
 * live engine's decision, starting from an empty memory and a cleared alarm at {@code from}.
 */
final class RuleBacktest {

    static final Duration MAX_SPAN = Duration.ofDays(366);
    static final long MAX_POINTS = 1_000_000;
    static final int MAX_SERIES = 1_000;
    /** Points between two progress checks within a day. */
    private static final int CHECK_EVERY = 20_000;

    /** Called between chunks of work; throws {@link Cancelled} to stop the run. */
    interface Progress {
        void tick(long points);
    }

    /** The run was stopped: the client went away or the thread was interrupted. */
    static final class Cancelled extends RuntimeException {
        Cancelled(String why) {
            super(why);
        }
    }

    /** A series the rule selects. */
    record Target(long seriesId, String owner) {
    }

    private record Point(long seriesId, Instant ts, Double number, String text, boolean cold) {
    }

    private RuleBacktest() {
    }

    /** Points the targets hold in [from, to), hot and cold, counted up to {@code atMost}. */
    static long count(DSLContext tx, ColdTier cold, DatapointKind kind, List<Long> ids, OffsetDateTime from,
                      OffsetDateTime to, long atMost) {
        if (ids.isEmpty()) {
            return 0;
        }
        var t = table(kind);
        long hot = tx.fetchCount(tx.select(DSL.inline(1)).from(t.table())
                .where(t.series().in(ids)).and(t.ts().ge(from)).and(t.ts().lt(to)).limit(atMost));
        return hot + ColdReads.count(cold, tx, kind, ids, from, to, atMost);
    }

    static EventRuleBacktest run(DSLContext tx, ColdTier cold, EventRuleDef rule, DatapointKind kind, List<Target> targets,
                                 OffsetDateTime from, OffsetDateTime to, Progress progress) {
        Map<Long, OwnerRun> bySeries = new LinkedHashMap<>();
        Map<String, OwnerRun> owners = new TreeMap<>(); // the answer in owner order
        for (Target t : targets) {
            OwnerRun o = owners.computeIfAbsent(t.owner(), k -> new OwnerRun(rule.condition(), k));
            o.series.add(t.seriesId());
            bySeries.put(t.seriesId(), o);
        }
        List<Long> ids = List.copyOf(bySeries.keySet());
        long points = 0;
        long coldPoints = 0;
        OffsetDateTime chunkFrom = from;
        while (chunkFrom.isBefore(to) && !ids.isEmpty()) {
            OffsetDateTime nextDay = chunkFrom.withOffsetSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS).plusDays(1);
            OffsetDateTime chunkTo = nextDay.isBefore(to) ? nextDay : to;
            List<Point> day = new ArrayList<>(hot(tx, kind, ids, chunkFrom, chunkTo));
            ColdReads.points(cold, tx, kind, ids, chunkFrom, chunkTo,
                    (series, us, number, text) -> day.add(new Point(series, micros(us), number, text, true)));
            // time order; a ts in both tiers (a day backfilled after it was tiered) counts once, the hot row winning
            day.sort(Comparator.comparing(Point::ts).thenComparingLong(Point::seriesId).thenComparing(Point::cold));
            Point last = null;
            for (Point p : day) {
                if (last != null && last.seriesId() == p.seriesId() && last.ts().equals(p.ts())) {
                    continue;
                }
                last = p;
                bySeries.get(p.seriesId()).sample(p.seriesId(), p.ts(), p.number(), p.text());
                points++;
                if (p.cold()) {
                    coldPoints++;
                }
                if (points % CHECK_EVERY == 0) {
                    progress.tick(points);
                }
            }
            progress.tick(points);
            chunkFrom = chunkTo;
        }
        List<EventRuleBacktest.Owner> out = new ArrayList<>();
        int raises = 0;
        for (OwnerRun o : owners.values()) {
            o.finish(to.toInstant());
            raises += o.intervals.size();
            out.add(new EventRuleBacktest.Owner(o.owner, List.copyOf(o.series), o.points, o.intervals.size(), List.copyOf(o.intervals)));
        }
        return new EventRuleBacktest(from, to, points, coldPoints, raises, out);
    }

    /** One owner's alarm as the backtest plays it: the live engine's memory and state, in a map. */
    private static final class OwnerRun {
        final Condition condition;
        final String owner;
        final List<Long> series = new ArrayList<>();
        final List<EventRuleBacktest.Interval> intervals = new ArrayList<>();
        RuleDecision.Memory memory = RuleDecision.Memory.EMPTY;
        Long lastSeries;
        OffsetDateTime raisedAt;
        Long raiseSeries;
        long points;

        OwnerRun(Condition condition, String owner) {
            this.condition = condition;
            this.owner = owner;
        }

        void sample(long seriesId, Instant ts, Double number, String text) {
            points++;
            if (memory.lastTs() != null && ts.isAfter(memory.lastTs())) {
                silence(ts);
            }
            RuleDecision.Step step = RuleDecision.step(condition, memory, raisedAt != null, ts, number, text);
            if (!step.decided()) {
                return;
            }
            memory = step.memory();
            lastSeries = seriesId;
            if (step.change() == RuleDecision.Change.RAISE) {
                raise(ts, seriesId);
            } else if (step.change() == RuleDecision.Change.CLEAR) {
                intervals.add(new EventRuleBacktest.Interval(raisedAt, raiseSeries, ts.atOffset(ZoneOffset.UTC), seriesId));
                raisedAt = null;
                raiseSeries = null;
            }
        }

        /**
         * A no-data rule is raised by a clock, not by a datapoint: the owner fell silent for the
         * rule's seconds before {@code until}. Raised at the moment the silence became long enough
         * (the live check raises at its next run after it).
         */
        private void silence(Instant until) {
            if (condition instanceof Condition.NoData nd && raisedAt == null && memory.lastTs() != null) {
                Instant due = memory.lastTs().plusSeconds(nd.seconds());
                if (due.isBefore(until)) {
                    raise(due, lastSeries);
                }
            }
        }

        private void raise(Instant at, Long seriesId) {
            raisedAt = at.atOffset(ZoneOffset.UTC);
            raiseSeries = seriesId;
        }

        void finish(Instant to) {
            silence(to);
            if (raisedAt != null) {
                intervals.add(new EventRuleBacktest.Interval(raisedAt, raiseSeries, null, null));
            }
        }
    }

    private record Columns(org.jooq.Table<?> table, org.jooq.Field<Long> series, org.jooq.Field<OffsetDateTime> ts) {
    }

    private static Columns table(DatapointKind kind) {
        return switch (kind) {
            case metric -> new Columns(METRIC_DATAPOINT, METRIC_DATAPOINT.SERIES_ID, METRIC_DATAPOINT.TS);
            case state -> new Columns(STATE_DATAPOINT, STATE_DATAPOINT.SERIES_ID, STATE_DATAPOINT.TS);
            case log -> new Columns(LOG_DATAPOINT, LOG_DATAPOINT.SERIES_ID, LOG_DATAPOINT.TS);
        };
    }

    private static List<Point> hot(DSLContext tx, DatapointKind kind, List<Long> ids, OffsetDateTime from, OffsetDateTime to) {
        return switch (kind) {
            case metric -> tx.select(METRIC_DATAPOINT.SERIES_ID, METRIC_DATAPOINT.TS, METRIC_DATAPOINT.VALUE)
                    .from(METRIC_DATAPOINT)
                    .where(METRIC_DATAPOINT.SERIES_ID.in(ids)).and(METRIC_DATAPOINT.TS.ge(from)).and(METRIC_DATAPOINT.TS.lt(to))
                    .fetch(r -> new Point(r.value1(), r.value2().toInstant(), r.value3(), null, false));
            case state -> tx.select(STATE_DATAPOINT.SERIES_ID, STATE_DATAPOINT.TS, STATE_DATAPOINT.VALUE)
                    .from(STATE_DATAPOINT)
                    .where(STATE_DATAPOINT.SERIES_ID.in(ids)).and(STATE_DATAPOINT.TS.ge(from)).and(STATE_DATAPOINT.TS.lt(to))
                    .fetch(r -> new Point(r.value1(), r.value2().toInstant(), null, r.value3(), false));
            case log -> tx.select(LOG_DATAPOINT.SERIES_ID, LOG_DATAPOINT.TS, LOG_DATAPOINT.MESSAGE)
                    .from(LOG_DATAPOINT)
                    .where(LOG_DATAPOINT.SERIES_ID.in(ids)).and(LOG_DATAPOINT.TS.ge(from)).and(LOG_DATAPOINT.TS.lt(to))
                    .fetch(r -> new Point(r.value1(), r.value2().toInstant(), null, r.value3(), false));
        };
    }

    private static Instant micros(long us) {
        return Instant.ofEpochSecond(Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1000L);
    }
}
