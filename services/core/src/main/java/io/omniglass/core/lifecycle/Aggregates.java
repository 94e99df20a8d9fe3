package io.omniglass.core.lifecycle;

import io.omniglass.api.AggregateBucket;
import org.jooq.DSLContext;
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
        tx.resultQuery("""
                        WITH agg AS (
                            SELECT series_id, date_bin({0}::interval, ts, to_timestamp(0)) AS b, count(*) AS n,
                                   sum(value) AS s, min(value) AS lo, max(value) AS hi, min(ts) AS t0, max(ts) AS t1
                            FROM {1}
                            WHERE series_id = ANY({2}) AND ts >= {3} AND ts < {4}
                            GROUP BY 1, 2)
                        SELECT agg.series_id, agg.b, agg.n, agg.s, agg.lo, agg.hi,
                               agg.t0, (SELECT f.value FROM {1} f WHERE f.series_id = agg.series_id AND f.ts = agg.t0),
                               agg.t1, (SELECT l.value FROM {1} l WHERE l.series_id = agg.series_id AND l.ts = agg.t1)
                        FROM agg""",
                        DSL.inline(bucket.toSeconds() + " seconds"), METRIC_DATAPOINT,
                        DSL.val(series.toArray(Long[]::new)), DSL.val(from), DSL.val(to))
                .coerce(DSL.field("series_id", SQLDataType.BIGINT), DSL.field("b", SQLDataType.TIMESTAMPWITHTIMEZONE),
                        DSL.field("n", SQLDataType.BIGINT), DSL.field("s", SQLDataType.DOUBLE),
                        DSL.field("lo", SQLDataType.DOUBLE), DSL.field("hi", SQLDataType.DOUBLE),
                        DSL.field("t0", SQLDataType.TIMESTAMPWITHTIMEZONE), DSL.field("first", SQLDataType.DOUBLE),
                        DSL.field("t1", SQLDataType.TIMESTAMPWITHTIMEZONE), DSL.field("last", SQLDataType.DOUBLE))
                .forEach(r -> into.merge(new Key(r.value1(), ColdReads.micros(r.value2())),
                        new Partial(r.value3(), r.value4(), r.value5(), r.value6(),
                                ColdReads.micros(r.value7()), r.value8(), ColdReads.micros(r.value9()), r.value10()),
                        Partial::merge));
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
