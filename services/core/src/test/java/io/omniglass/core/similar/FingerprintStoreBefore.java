package io.omniglass.core.similar;

import io.omniglass.core.rules.Owner;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import io.omniglass.schema.tenant.tables.records.EventRecord;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.DatePart;
import org.jooq.Field;
import org.jooq.Record4;
import org.jooq.Table;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.ALARM_FINGERPRINT;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE_VERSION;
import static io.omniglass.schema.tenant.Tables.METRIC_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.SERIES;

/**
 * main df66c06's FingerprintStore, kept for FingerprintCostHarness to measure against. Computes and stores the fingerprint of one alarm raise (an {@code alarm.raised} event): the
 * owner's metric lead-up in one aggregate statement, the vector by {@link FingerprintRecipe}, one
 * row in {@code alarm_fingerprint} (idempotent: a raise is fingerprinted once), and the span of
 * the alarm's previous occurrence closed at this raise.
 */
final class FingerprintStoreBefore {

    static final String RAISED = "alarm.raised";

    private FingerprintStoreBefore() {
    }

    /** What became of one raise event. */
    public enum Outcome { STORED, ALREADY_THERE, NOT_A_RAISE }

    public static Outcome fingerprint(DSLContext db, long raiseEventId) {
        return db.transactionResult(cfg -> fingerprintIn(cfg.dsl(), raiseEventId));
    }

    static Outcome fingerprintIn(DSLContext tx, long raiseEventId) {
        if (tx.fetchExists(ALARM_FINGERPRINT, ALARM_FINGERPRINT.EVENT_ID.eq(raiseEventId))) {
            return Outcome.ALREADY_THERE;
        }
        EventRecord e = tx.selectFrom(EVENT).where(EVENT.ID.eq(raiseEventId).and(EVENT.NAME.eq(RAISED))
                .and(EVENT.EVENT_RULE_ID.isNotNull())).fetchOne();
        if (e == null) {
            return Outcome.NOT_A_RAISE;
        }
        Owner owner = Owner.parse(e.getOwner());
        Optional<Long> alarmId = tx.select(ALARM.ID).from(ALARM)
                .where(ALARM.EVENT_RULE_ID.eq(e.getEventRuleId()).and(ALARM.OWNER.eq(e.getOwner())))
                .fetchOptional(ALARM.ID);
        if (alarmId.isEmpty()) {
            return Outcome.NOT_A_RAISE;
        }
        String ruleKey = tx.select(EVENT_RULE_VERSION.KEY).from(EVENT_RULE_VERSION)
                .where(EVENT_RULE_VERSION.EVENT_RULE_ID.eq(e.getEventRuleId())
                        .and(EVENT_RULE_VERSION.VERSION.eq(e.getEventRuleVersion())))
                .fetchOne(EVENT_RULE_VERSION.KEY);
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
        List<String> ownerKeys = tx.selectDistinct(DATAPOINT_TYPE.NAME).from(SERIES)
                .join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID))
                .where(ownerSeries).fetch(DATAPOINT_TYPE.NAME);
        List<String> order = FingerprintRecipe.blockOrder(ruleKey, ownerKeys);
        if (order.isEmpty()) {
            return FingerprintRecipe.compute(order, Map.of(), 0);
        }
        Instant from = raisedAt.minus(FingerprintRecipe.WINDOW);
        // width_bucket over epoch seconds: 1..BUCKETS inside the window (BUCKETS + 1 at its very end);
        // the bounds are inlined numbers (computed here) so the GROUP BY repeats the select expression
        Field<Integer> bucket = DSL.function("width_bucket", Integer.class,
                DSL.extract(METRIC_DATAPOINT.TS, DatePart.EPOCH),
                DSL.inline(from.toEpochMilli() / 1000.0), DSL.inline(raisedAt.toEpochMilli() / 1000.0),
                DSL.inline(FingerprintRecipe.BUCKETS));
        Field<Double> mean = DSL.avg(METRIC_DATAPOINT.VALUE).cast(Double.class);
        Field<Integer> count = DSL.count();
        Map<String, double[]> means = new HashMap<>();
        int samples = 0;
        for (Record4<String, Integer, Double, Integer> r : tx.select(DATAPOINT_TYPE.NAME, bucket, mean, count)
                .from(METRIC_DATAPOINT)
                .join(SERIES).on(SERIES.ID.eq(METRIC_DATAPOINT.SERIES_ID))
                .join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID))
                .where(ownerSeries.and(DATAPOINT_TYPE.NAME.in(order))
                        .and(METRIC_DATAPOINT.TS.gt(from.atOffset(ZoneOffset.UTC)))
                        .and(METRIC_DATAPOINT.TS.le(raisedAt.atOffset(ZoneOffset.UTC))))
                .groupBy(DATAPOINT_TYPE.NAME, bucket)
                .fetch()) {
            double[] m = means.computeIfAbsent(r.value1(), k -> nanArray());
            int b = Math.min(FingerprintRecipe.BUCKETS, Math.max(1, r.value2())) - 1;
            m[b] = r.value3();
            samples += r.value4();
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
