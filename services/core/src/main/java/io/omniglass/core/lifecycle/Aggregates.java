package io.omniglass.core.lifecycle;

import io.omniglass.api.AggregateBucket;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.postgresql.PGStatement;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

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
     *
     * <p>Plain JDBC with typed parameters, not jOOQ's binding: jOOQ sends an array and a timestamp
     * to Postgres as text inside {@code cast(? as ...)}, which the planner cannot fold (the text
     * input functions are not immutable), so a sequential scan parsed the 100-element id list and
     * both bounds again for every row (22 s instead of 1.7 s for 1.8 M rows), and pruned partitions
     * only at executor start. Typed, the values are constants of the plan: partitions outside the
     * range are pruned while planning and {@code = ANY} probes a hashed set.
     *
     * <p>work_mem is raised for the transaction because the planner cannot know how many buckets
     * {@code date_bin} makes (it guessed 82,000 groups for 800): at the default 4 MB it sorted the
     * hot week instead of hashing it and the sort spilled to disk (45 MB of temporary files).
     */
    static void hot(DSLContext tx, List<Long> series, OffsetDateTime from, OffsetDateTime to, Duration bucket,
                    Map<Key, Partial> into) {
        if (series.isEmpty()) {
            return;
        }
        tx.select(DSL.function("set_config", String.class, DSL.val("work_mem"), DSL.val("64MB"), DSL.val(true))).fetch();
        String table = tx.render(METRIC_DATAPOINT);
        tx.connection(c -> {
            try (PreparedStatement ps = hotStatement(c, "", table, series, from, to, bucket);
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    into.merge(new Key(rs.getLong(1), ColdReads.micros(rs.getObject(2, OffsetDateTime.class))),
                            new Partial(rs.getLong(3), rs.getDouble(4), rs.getDouble(5), rs.getDouble(6),
                                    ColdReads.micros(rs.getObject(7, OffsetDateTime.class)), rs.getDouble(8),
                                    ColdReads.micros(rs.getObject(9, OffsetDateTime.class)), rs.getDouble(10)),
                            Partial::merge);
                }
            }
        });
    }

    /** The hot read's statement, bound; {@code prefix} is empty, or an EXPLAIN for the test that checks its plan. */
    static PreparedStatement hotStatement(Connection c, String prefix, String table, List<Long> series,
                                          OffsetDateTime from, OffsetDateTime to, Duration bucket) throws SQLException {
        String sql = prefix + """
                WITH agg AS (
                    SELECT series_id, date_bin('%2$d seconds'::interval, ts, to_timestamp(0)) AS b, count(*) AS n,
                           sum(value) AS s, min(value) AS lo, max(value) AS hi, min(ts) AS t0, max(ts) AS t1
                    FROM %1$s
                    WHERE series_id = ANY(?) AND ts >= ? AND ts < ?
                    GROUP BY 1, 2)
                SELECT agg.series_id, agg.b, agg.n, agg.s, agg.lo, agg.hi,
                       agg.t0, (SELECT f.value FROM %1$s f WHERE f.series_id = agg.series_id AND f.ts = agg.t0),
                       agg.t1, (SELECT l.value FROM %1$s l WHERE l.series_id = agg.series_id AND l.ts = agg.t1)
                FROM agg""".formatted(table, bucket.toSeconds());
        PreparedStatement ps = c.prepareStatement(sql);
        try {
            // never a server-side prepared statement: after five runs Postgres may switch to a
            // generic plan, which knows neither the range (no pruning) nor the ids (no hashed ANY)
            ps.unwrap(PGStatement.class).setPrepareThreshold(0);
            ps.setArray(1, c.createArrayOf("bigint", series.toArray(Long[]::new)));
            ps.setObject(2, from);
            ps.setObject(3, to);
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
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
