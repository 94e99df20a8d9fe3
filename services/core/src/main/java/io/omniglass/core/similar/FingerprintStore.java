package io.omniglass.core.similar;

import io.omniglass.core.rules.Owner;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import io.omniglass.schema.tenant.tables.records.EventRecord;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.DatePart;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record2;
import org.jooq.Record4;
import org.jooq.Table;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.ALARM_FINGERPRINT;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE_VERSION;
import static io.omniglass.schema.tenant.Tables.METRIC_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.SERIES;

/**
 * Computes and stores the fingerprint of one alarm raise (an {@code alarm.raised} event): the
 * owner's metric lead-up in one aggregate statement, the vector by {@link FingerprintRecipe}, one
 * row in {@code alarm_fingerprint} (idempotent: a raise is fingerprinted once), and the span of
 * the alarm's previous occurrence closed at this raise.
 */
public final class FingerprintStore {

    static final String RAISED = "alarm.raised";

    private FingerprintStore() {
    }

    /** What became of one raise event. */
    public enum Outcome { STORED, ALREADY_THERE, NOT_A_RAISE }

    public static Outcome fingerprint(DSLContext db, long raiseEventId) {
        return db.transactionResult(cfg -> fingerprintIn(cfg.dsl(), raiseEventId));
    }

    /**
     * Fingerprints these raises of one tenant in one transaction, oldest first (as one by one would);
     * returns how many it stored.
     */
    public static int fingerprintAll(DSLContext db, Collection<Long> raiseEventIds) {
        List<Long> ids = new ArrayList<>(new TreeSet<>(raiseEventIds));
        return db.transactionResult(cfg -> {
            int stored = 0;
            for (long id : ids) {
                if (fingerprintIn(cfg.dsl(), id) == Outcome.STORED) {
                    stored++;
                }
            }
            return stored;
        });
    }

    static Outcome fingerprintIn(DSLContext tx, long raiseEventId) {
        // the raise, its alarm, its rule's key and whether it has its fingerprint already: one statement
        Field<Boolean> done = DSL.field(DSL.exists(DSL.selectOne().from(ALARM_FINGERPRINT)
                .where(ALARM_FINGERPRINT.EVENT_ID.eq(EVENT.ID)))).as("og_done");
        Field<Long> alarm = ALARM.ID.as("og_alarm_id");
        Field<String> ruleKeyOf = EVENT_RULE_VERSION.KEY.as("og_rule_key");
        Record r = tx.select(EVENT.fields()).select(alarm, ruleKeyOf, done)
                .from(EVENT)
                .leftJoin(ALARM).on(ALARM.EVENT_RULE_ID.eq(EVENT.EVENT_RULE_ID).and(ALARM.OWNER.eq(EVENT.OWNER)))
                .leftJoin(EVENT_RULE_VERSION).on(EVENT_RULE_VERSION.EVENT_RULE_ID.eq(EVENT.EVENT_RULE_ID)
                        .and(EVENT_RULE_VERSION.VERSION.eq(EVENT.EVENT_RULE_VERSION)))
                .where(EVENT.ID.eq(raiseEventId))
                .fetchOne();
        if (r != null && Boolean.TRUE.equals(r.get(done))) {
            return Outcome.ALREADY_THERE;
        }
        if (r == null || !RAISED.equals(r.get(EVENT.NAME)) || r.get(EVENT.EVENT_RULE_ID) == null) {
            return Outcome.NOT_A_RAISE;
        }
        EventRecord e = r.into(EVENT);
        Owner owner = Owner.parse(e.getOwner());
        Optional<Long> alarmId = Optional.ofNullable(r.get(alarm));
        if (alarmId.isEmpty()) {
            return Outcome.NOT_A_RAISE;
        }
        String ruleKey = r.get(ruleKeyOf);
        // the signal time of the raise (a no-data raise has no trigger datapoint: its wall clock)
        OffsetDateTime raisedAt = e.getTriggerTs() != null ? e.getTriggerTs() : e.getTs();
        FingerprintRecipe.Fingerprint fp = compute(tx, owner, ruleKey, raisedAt.toInstant());

        OffsetDateTime nextRaise = tx.select(DSL.min(EVENT.TS)).from(EVENT)
                .where(EVENT.NAME.eq(RAISED).and(EVENT.EVENT_RULE_ID.eq(e.getEventRuleId()))
                        .and(EVENT.OWNER.eq(e.getOwner())).and(EVENT.ID.gt(e.getId())))
                .fetchOne(0, OffsetDateTime.class);
        int inserted = tx.insertInto(ALARM_FINGERPRINT)
                .set(ALARM_FINGERPRINT.EVENT_ID, e.getId())
                .set(ALARM_FINGERPRINT.ALARM_ID, alarmId.get())
                .set(ALARM_FINGERPRINT.EVENT_RULE_ID, e.getEventRuleId())
                .set(owner.columns(ALARM_FINGERPRINT))
                .set(ALARM_FINGERPRINT.RAISED_AT, raisedAt)
                .set(ALARM_FINGERPRINT.OCCURRED_FROM, e.getTs())
                .set(ALARM_FINGERPRINT.OCCURRED_UNTIL, nextRaise)
                .set(ALARM_FINGERPRINT.RECIPE_VERSION, (short) FingerprintRecipe.VERSION)
                .set(ALARM_FINGERPRINT.KEYS, fp.keys().toArray(String[]::new))
                .set(ALARM_FINGERPRINT.SAMPLES, fp.samples())
                .set(ALARM_FINGERPRINT.LEAD_UP, boxed(fp.vector()))
                .onConflictDoNothing().execute();
        if (inserted == 0) {
            return Outcome.ALREADY_THERE;
        }
        // the previous occurrence of this alarm ends where this one starts
        tx.update(ALARM_FINGERPRINT).set(ALARM_FINGERPRINT.OCCURRED_UNTIL, e.getTs())
                .where(ALARM_FINGERPRINT.ALARM_ID.eq(alarmId.get())
                        .and(ALARM_FINGERPRINT.EVENT_ID.lt(e.getId()))
                        .and(ALARM_FINGERPRINT.OCCURRED_UNTIL.isNull().or(ALARM_FINGERPRINT.OCCURRED_UNTIL.gt(e.getTs()))))
                .execute();
        return Outcome.STORED;
    }

    /** The owner's lead-up before {@code raisedAt} as a fingerprint. */
    static FingerprintRecipe.Fingerprint compute(DSLContext tx, Owner owner, String ruleKey, Instant raisedAt) {
        Condition ownerSeries = ownerIs(owner, SERIES).and(SERIES.KIND.eq(DatapointKind.metric))
                .and(SERIES.PROVENANCE.ne(Provenance.intended));
        // the owner's metric series and their keys; the aggregate then reads the datapoint table alone
        Map<Long, String> seriesKeys = new HashMap<>();
        for (Record2<Long, String> sk : tx.select(SERIES.ID, DATAPOINT_TYPE.NAME).from(SERIES)
                .join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID))
                .where(ownerSeries).fetch()) {
            seriesKeys.put(sk.value1(), sk.value2());
        }
        List<String> order = FingerprintRecipe.blockOrder(ruleKey, new TreeSet<>(seriesKeys.values()));
        if (order.isEmpty()) {
            return FingerprintRecipe.compute(order, Map.of(), 0);
        }
        List<Long> series = seriesKeys.entrySet().stream().filter(sk -> order.contains(sk.getValue()))
                .map(Map.Entry::getKey).sorted().toList();
        Instant from = raisedAt.minus(FingerprintRecipe.WINDOW);
        // width_bucket over epoch seconds: 1..BUCKETS inside the window (BUCKETS + 1 at its very end).
        // Everything that varies is a bound value and the GROUP BY names the select list's columns by
        // position, so the statement's text is the same for every raise: a connection prepares it
        // once on the server (the driver does after a few uses) instead of Postgres parsing and
        // planning it anew for each raise
        Field<Integer> bucket = DSL.function("width_bucket", Integer.class,
                DSL.extract(METRIC_DATAPOINT.TS, DatePart.EPOCH),
                DSL.val(from.toEpochMilli() / 1000.0), DSL.val(raisedAt.toEpochMilli() / 1000.0),
                DSL.inline(FingerprintRecipe.BUCKETS));
        // per series the sum and the count: a key's bucket mean is their ratio over its series (avg is
        // the same sum over the same count, so one series per key gives avg's value exactly)
        Field<Double> sum = DSL.sum(METRIC_DATAPOINT.VALUE).cast(Double.class);
        Field<Integer> count = DSL.count();
        Map<String, double[]> sums = new HashMap<>();
        Map<String, long[]> counts = new HashMap<>();
        int samples = 0;
        for (Record4<Long, Integer, Double, Integer> r : tx.select(METRIC_DATAPOINT.SERIES_ID, bucket, sum, count)
                .from(METRIC_DATAPOINT)
                .where(METRIC_DATAPOINT.SERIES_ID.eq(DSL.any(series.toArray(Long[]::new)))
                        .and(METRIC_DATAPOINT.TS.gt(from.atOffset(ZoneOffset.UTC)))
                        .and(METRIC_DATAPOINT.TS.le(raisedAt.atOffset(ZoneOffset.UTC))))
                .groupBy(DSL.inline(1), DSL.inline(2))
                .fetch()) {
            String key = seriesKeys.get(r.value1());
            // the raw bucket (0 .. BUCKETS + 1): a key's series are summed per raw bucket
            int raw = Math.min(FingerprintRecipe.BUCKETS + 1, Math.max(0, r.value2()));
            sums.computeIfAbsent(key, k -> new double[FingerprintRecipe.BUCKETS + 2])[raw] += r.value3();
            counts.computeIfAbsent(key, k -> new long[FingerprintRecipe.BUCKETS + 2])[raw] += r.value4();
            samples += r.value4();
        }
        Map<String, double[]> means = new HashMap<>();
        for (Map.Entry<String, double[]> s : sums.entrySet()) {
            double[] m = nanArray();
            long[] n = counts.get(s.getKey());
            // in bucket order, a clamped bucket's mean replacing its neighbour's, as the grouped rows
            // came in order of (key, bucket) before
            for (int raw = 0; raw < n.length; raw++) {
                if (n[raw] > 0) {
                    m[Math.min(FingerprintRecipe.BUCKETS, Math.max(1, raw)) - 1] = s.getValue()[raw] / n[raw];
                }
            }
            means.put(s.getKey(), m);
        }
        return FingerprintRecipe.compute(order, means, samples);
    }

    /** Raise events of this tenant that have no fingerprint yet, oldest first. */
    static List<Long> missing(DSLContext db, int limit) {
        return db.select(EVENT.ID).from(EVENT)
                .where(EVENT.NAME.eq(RAISED).and(EVENT.EVENT_RULE_ID.isNotNull()))
                .andNotExists(DSL.selectOne().from(ALARM_FINGERPRINT).where(ALARM_FINGERPRINT.EVENT_ID.eq(EVENT.ID)))
                .orderBy(EVENT.ID).limit(limit).fetch(EVENT.ID);
    }

    static Condition ownerIs(Owner owner, Table<?> table) {
        Condition c = DSL.noCondition();
        for (Map.Entry<Field<?>, Object> col : owner.columns(table).entrySet()) {
            @SuppressWarnings("unchecked")
            Field<Object> f = (Field<Object>) col.getKey();
            c = c.and(f.eq(col.getValue()));
        }
        for (String arc : List.of("component_id", "system_id", "location_id", "node_id")) {
            if (!owner.columns(table).containsKey(table.field(arc))) {
                c = c.and(table.field(arc).isNull());
            }
        }
        return c;
    }

    private static double[] nanArray() {
        double[] m = new double[FingerprintRecipe.BUCKETS];
        Arrays.fill(m, Double.NaN);
        return m;
    }

    private static Float[] boxed(float[] v) {
        if (v == null) {
            return null;
        }
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    static List<Float> list(Float[] v) {
        return v == null ? List.of() : new ArrayList<>(Arrays.asList(v));
    }
}
