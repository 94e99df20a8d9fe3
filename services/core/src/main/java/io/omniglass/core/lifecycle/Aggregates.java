package io.omniglass.core.lifecycle;

import io.omniglass.api.AggregateBucket;
import org.jooq.DSLContext;
import org.jooq.Record10;
import org.jooq.ResultQuery;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.omniglass.schema.tenant.Tables.METRIC_DATAPOINT;

/**
 * Bucketed figures of metric series over hot and cold: each tier answers partial aggregates per
 * (series, bucket) (count, sum, min, max, first and last with their times), and these merge
 * exactly: counts and sums add, minima and maxima compare, first and last go by time. The average
 * is computed only after the merge (sum / count), never averaged across tiers. Buckets are aligned
 * on the Unix epoch in both engines (UTC days for a 1-day bucket).
 */
final class Aggregates {

    record Key(long series, long bucketMicros) {
    }

    record Partial(long count, double sum, double min, double max, long firstUs, double first, long lastUs, double last) {
        static Partial merge(Partial a, Partial b) {
            return new Partial(a.count + b.count, a.sum + b.sum, Math.min(a.min, b.min), Math.max(a.max, b.max),
                    Math.min(a.firstUs, b.firstUs), a.firstUs <= b.firstUs ? a.first : b.first,
                    Math.max(a.lastUs, b.lastUs), a.lastUs >= b.lastUs ? a.last : b.last);
        }
    }

    private Aggregates() {
    }

    /**
     * The hot tier's partials of these series in [from, to), added to {@code into}. First and last
     * are read back by primary key at each bucket's min(ts) and max(ts) in two scalar subqueries,
     * so always two index probes per bucket (as a join the planner may hash-join whole partitions),
     * rather than a sort per bucket.
     */
    static void hot(DSLContext tx, List<Long> series, OffsetDateTime from, OffsetDateTime to, Duration bucket,
                    Map<Key, Partial> into) {
        if (series.isEmpty()) {
            return;
        }
        planWithValues(tx);
        hotQuery(tx, series, from, to, bucket)
                .forEach(r -> into.merge(new Key(r.value1(), ColdReads.micros(r.value2())),
                        new Partial(r.value3(), r.value4(), r.value5(), r.value6(),
                                ColdReads.micros(r.value7()), r.value8(), ColdReads.micros(r.value9()), r.value10()),
                        Partial::merge));
    }

    /**
     * Transaction-local settings of the hot read. Custom plans only: a generic plan (which Postgres
     * may pick after a statement's fifth run on a connection) knows neither the range nor the ids,
     * so it prunes partitions only at executor start and cannot hash the id list. work_mem: the
     * planner cannot tell how many buckets {@code date_bin} makes (it guessed 82,000 groups for
     * 800), and at the default 4 MB it sorted the hot week instead of hashing it, spilling 45 MB.
     */
    static void planWithValues(DSLContext tx) {
        tx.select(DSL.function("set_config", String.class, DSL.val("plan_cache_mode"), DSL.val("force_custom_plan"), DSL.val(true)),
                DSL.function("set_config", String.class, DSL.val("work_mem"), DSL.val("64MB"), DSL.val(true))).fetch();
    }

    /**
     * The hot read. Every value is bound as its Postgres type, not as text: jOOQ sends an array and
     * an {@code OffsetDateTime} as text inside {@code cast(? as ...)}, which the planner cannot fold
     * (text input is not immutable), so a sequential scan parsed the 100-element id list and both
     * bounds again for every row (22 s instead of 1.7 s for 1.8 M rows) and partitions were pruned
     * only at executor start. Hence an IN list of int8 values (Postgres makes it a constant array
     * and hashes it) and timestamps bound as {@code timestamptz}: constants of the plan, so the
     * range's partitions are chosen while planning.
     */
    static ResultQuery<Record10<Long, OffsetDateTime, Long, Double, Double, Double, OffsetDateTime, Double, OffsetDateTime, Double>>
    hotQuery(DSLContext tx, List<Long> series, OffsetDateTime from, OffsetDateTime to, Duration bucket) {
        return typed(tx).resultQuery("""
                        WITH agg AS (
                            SELECT series_id, date_bin({0}::interval, ts, to_timestamp(0)) AS b, count(*) AS n,
                                   sum(value) AS s, min(value) AS lo, max(value) AS hi, min(ts) AS t0, max(ts) AS t1
                            FROM {1}
                            WHERE {2} AND ts >= {3} AND ts < {4}
                            GROUP BY 1, 2)
                        SELECT agg.series_id, agg.b, agg.n, agg.s, agg.lo, agg.hi,
                               agg.t0, (SELECT f.value FROM {1} f WHERE f.series_id = agg.series_id AND f.ts = agg.t0),
                               agg.t1, (SELECT l.value FROM {1} l WHERE l.series_id = agg.series_id AND l.ts = agg.t1)
                        FROM agg""",
                        DSL.inline(bucket.toSeconds() + " seconds"), METRIC_DATAPOINT,
                        METRIC_DATAPOINT.SERIES_ID.in(series), DSL.val(from), DSL.val(to))
                .coerce(DSL.field("series_id", SQLDataType.BIGINT), DSL.field("b", SQLDataType.TIMESTAMPWITHTIMEZONE),
                        DSL.field("n", SQLDataType.BIGINT), DSL.field("s", SQLDataType.DOUBLE),
                        DSL.field("lo", SQLDataType.DOUBLE), DSL.field("hi", SQLDataType.DOUBLE),
                        DSL.field("t0", SQLDataType.TIMESTAMPWITHTIMEZONE), DSL.field("first", SQLDataType.DOUBLE),
                        DSL.field("t1", SQLDataType.TIMESTAMPWITHTIMEZONE), DSL.field("last", SQLDataType.DOUBLE));
    }

    /** {@code tx} with {@code OffsetDateTime} bound as {@code timestamptz} (same connection, same query timer). */
    static DSLContext typed(DSLContext tx) {
        return DSL.using(tx.configuration().derive(((Settings) tx.settings().clone()).withBindOffsetDateTimeType(true)));
    }

    /** The merged partials as each series' buckets, oldest first. */
    static Map<Long, List<AggregateBucket>> buckets(Map<Key, Partial> partials) {
        Map<Long, TreeMap<Long, Partial>> bySeries = new HashMap<>();
        partials.forEach((k, p) -> bySeries.computeIfAbsent(k.series(), s -> new TreeMap<>()).put(k.bucketMicros(), p));
        Map<Long, List<AggregateBucket>> out = new HashMap<>();
        bySeries.forEach((s, m) -> {
            List<AggregateBucket> list = new ArrayList<>(m.size());
            m.forEach((b, p) -> list.add(new AggregateBucket(ColdExport.micros(b), p.count(), p.min(), p.max(),
                    p.sum() / p.count(), p.first(), p.last())));
            out.put(s, list);
        });
        return out;
    }
}
