package io.omniglass.core.lifecycle;

import io.omniglass.api.AggregateBucket;
import org.jooq.DSLContext;
import org.jooq.Field;
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

    /** The hot tier's partials of these series in [from, to), added to {@code into}. */
    static void hot(DSLContext tx, List<Long> series, OffsetDateTime from, OffsetDateTime to, Duration bucket,
                    Map<Key, Partial> into) {
        if (series.isEmpty()) {
            return;
        }
        Field<OffsetDateTime> b = DSL.field("date_bin({0}::interval, {1}, to_timestamp(0))", SQLDataType.TIMESTAMPWITHTIMEZONE,
                DSL.inline(bucket.toSeconds() + " seconds"), METRIC_DATAPOINT.TS); // inlined: GROUP BY must see the same expression
        Field<Double> first = DSL.field("(array_agg({0} ORDER BY {1}))[1]", SQLDataType.DOUBLE, METRIC_DATAPOINT.VALUE, METRIC_DATAPOINT.TS);
        Field<Double> last = DSL.field("(array_agg({0} ORDER BY {1} DESC))[1]", SQLDataType.DOUBLE, METRIC_DATAPOINT.VALUE, METRIC_DATAPOINT.TS);
        tx.select(METRIC_DATAPOINT.SERIES_ID, b, DSL.count(), DSL.sum(METRIC_DATAPOINT.VALUE), DSL.min(METRIC_DATAPOINT.VALUE),
                        DSL.max(METRIC_DATAPOINT.VALUE), DSL.min(METRIC_DATAPOINT.TS), first, DSL.max(METRIC_DATAPOINT.TS), last)
                .from(METRIC_DATAPOINT)
                .where(METRIC_DATAPOINT.SERIES_ID.in(series))
                .and(METRIC_DATAPOINT.TS.ge(from)).and(METRIC_DATAPOINT.TS.lt(to))
                .groupBy(METRIC_DATAPOINT.SERIES_ID, b)
                .forEach(r -> into.merge(new Key(r.value1(), ColdReads.micros(r.value2())),
                        new Partial(r.value3(), r.value4().doubleValue(), r.value5(), r.value6(),
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
