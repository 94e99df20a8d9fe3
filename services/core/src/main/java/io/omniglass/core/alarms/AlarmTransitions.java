package io.omniglass.core.alarms;

import io.omniglass.core.gateway.Jsonb;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniglass.core.rules.Condition;
import io.omniglass.core.rules.EventRuleDef;
import io.omniglass.core.rules.Owner;
import io.omniglass.core.rules.Reading;
import io.omniglass.core.rules.RuleDecision;
import io.omniglass.core.rules.SeriesIds;
import io.omniglass.api.OmniglassClient;
import io.omniglass.schema.tenant.enums.AlarmState;
import io.omniglass.schema.tenant.enums.EventOrigin;
import io.omniglass.schema.tenant.tables.records.AlarmRecord;
import io.omniglass.schema.tenant.tables.records.EventRuleStateRecord;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE_STATE;

/**
 * Decides and commits alarm transitions for one (event rule, owner). Everything happens in the
 * caller's transaction after taking the (event_rule, owner) state row FOR UPDATE, so evaluators on
 * other instances and redeliveries of the same datapoints queue behind each other and see the
 * state the previous one committed: a raise when already active, or a sample not newer than the
 * last one evaluated, changes nothing.
 */
public final class AlarmTransitions {

    /** One committed transition (for logs and tests). */
    public record Transition(long alarmId, long eventId, String name) {
    }

    private AlarmTransitions() {
    }

    /** The datapoints of one (rule, owner) to evaluate. */
    public record Work(EventRuleDef rule, String owner, List<Reading> datapoints) {
    }

    /** Evaluates {@code datapoints} (all for this rule and owner) in ts order. */
    public static List<Transition> evaluate(DSLContext tx, EventRuleDef rule, String owner, List<Reading> datapoints) {
        return evaluateAll(tx, List.of(new Work(rule, owner, datapoints)));
    }

    /**
     * Evaluates many (rule, owner) pairs in the caller's transaction with a fixed number of round
     * trips besides the transitions themselves: one statement creates missing state rows, one
     * locks them all (in key order, so concurrent evaluators cannot deadlock on them), one reads
     * and locks the existing alarms, one batch writes the new states back.
     */
    public static List<Transition> evaluateAll(DSLContext tx, List<Work> work) {
        return evaluateAll(tx, work, (w, lastTs) -> { });
    }

    /**
     * As {@link #evaluateAll(DSLContext, List)}, telling {@code decidedUpTo} the state's last decided
     * sample time of each work whose rule was live (call it from inside the transaction; it holds
     * only once the transaction committed).
     */
    public static List<Transition> evaluateAll(DSLContext tx, List<Work> work,
                                               java.util.function.BiConsumer<Work, java.time.Instant> decidedUpTo) {
        if (work.isEmpty()) {
            return List.of();
        }
        var insert = tx.insertInto(EVENT_RULE_STATE, EVENT_RULE_STATE.EVENT_RULE_ID, EVENT_RULE_STATE.OWNER);
        List<org.jooq.Row2<Long, String>> keys = new ArrayList<>();
        for (Work w : work) {
            insert = insert.values(w.rule().id(), w.owner());
            keys.add(DSL.row(w.rule().id(), w.owner()));
        }
        insert.onConflictDoNothing().execute();
        Map<String, EventRuleStateRecord> states = new HashMap<>();
        for (EventRuleStateRecord r : tx.selectFrom(EVENT_RULE_STATE)
                .where(DSL.row(EVENT_RULE_STATE.EVENT_RULE_ID, EVENT_RULE_STATE.OWNER).in(keys))
                .orderBy(EVENT_RULE_STATE.EVENT_RULE_ID, EVENT_RULE_STATE.OWNER).forUpdate().fetch()) {
            states.put(key(r.getEventRuleId(), r.getOwner()), r);
        }
        Set<Long> live = live(tx, work.stream().map(Work::rule).toList());
        Map<String, AlarmRecord> alarms = new HashMap<>();
        for (AlarmRecord a : tx.selectFrom(ALARM).where(DSL.row(ALARM.EVENT_RULE_ID, ALARM.OWNER).in(keys)).forUpdate().fetch()) {
            alarms.put(key(a.getEventRuleId(), a.getOwner()), a);
        }
        List<Transition> done = new ArrayList<>();
        List<EventRuleStateRecord> changed = new ArrayList<>();
        for (Work w : work) {
            if (!live.contains(w.rule().id())) {
                continue; // disabled, deleted or edited since this list was read: nothing may raise for it
            }
            String k = key(w.rule().id(), w.owner());
            EventRuleStateRecord state = states.get(k);
            if (evaluate(tx, w, state, alarms, k, done)) {
                state.setUpdatedAt(OffsetDateTime.now(ZoneOffset.UTC));
                changed.add(state);
            }
            if (state.getLastTs() != null) {
                decidedUpTo.accept(w, state.getLastTs().toInstant());
            }
        }
        if (!changed.isEmpty()) {
            tx.batchUpdate(changed).execute();
        }
        return done;
    }

    private static boolean evaluate(DSLContext tx, Work w, EventRuleStateRecord state, Map<String, AlarmRecord> alarms,
                                    String key, List<Transition> done) {
        EventRuleDef rule = w.rule();
        String owner = w.owner();
        List<Reading> ordered = new ArrayList<>(w.datapoints());
        ordered.sort(Comparator.comparing(Reading::ts));
        boolean changed = false;
        for (Reading dp : ordered) {
            OffsetDateTime ts = dp.ts().atOffset(ZoneOffset.UTC);
            AlarmRecord alarm = alarms.get(key);
            boolean active = alarm != null && alarm.getState() == AlarmState.active;
            RuleDecision.Step step = RuleDecision.step(rule.condition(), memory(state), active, dp.ts(), dp.number(), dp.text());
            if (!step.decided()) {
                continue;
            }
            state.setLastTs(ts);
            state.setLastValue(dp.number());
            state.setLastText(dp.text());
            changed = true;
            if (step.change() == RuleDecision.Change.RAISE) {
                Optional<Long> series = SeriesIds.resolve(tx, dp.owner(), dp.key(), dp.instance(), dp.provenance(), dp.source());
                long eventId = insertEvent(tx, rule, owner, "alarm.raised", EventOrigin.rule, series.orElse(null),
                        series.isPresent() ? ts : null, payload(rule, dp));
                long alarmId = raise(tx, rule, owner, alarm, eventId, ts);
                alarms.put(key, tx.selectFrom(ALARM).where(ALARM.ID.eq(alarmId)).fetchOne());
                done.add(new Transition(alarmId, eventId, "alarm.raised"));
            } else if (step.change() == RuleDecision.Change.CLEAR) {
                Optional<Long> series = SeriesIds.resolve(tx, dp.owner(), dp.key(), dp.instance(), dp.provenance(), dp.source());
                long eventId = insertEvent(tx, rule, owner, "alarm.cleared", EventOrigin.rule, series.orElse(null),
                        series.isPresent() ? ts : null, payload(rule, dp));
                clear(tx, alarm, eventId, ts);
                alarms.put(key, tx.selectFrom(ALARM).where(ALARM.ID.eq(alarm.getId())).fetchOne());
                done.add(new Transition(alarm.getId(), eventId, "alarm.cleared"));
            }
        }
        return changed;
    }

    private static RuleDecision.Memory memory(EventRuleStateRecord state) {
        return state.getLastTs() == null ? RuleDecision.Memory.EMPTY
                : new RuleDecision.Memory(state.getLastTs().toInstant(), state.getLastValue(), state.getLastText());
    }

    /**
     * The rules whose version the caller holds is still the enabled current one, read FOR SHARE:
     * a disable (or an edit) takes the rule row for update, so it either waits for this
     * transaction and then clears what it raised, or commits first and this transaction sees the
     * rule disabled. Either way no alarm outlives its rule (no ghost that nothing will clear),
     * whatever the batch in flight or the peer with a stale rule list.
     */
    private static Set<Long> live(DSLContext tx, List<EventRuleDef> rules) {
        Map<Long, Integer> held = new TreeMap<>();
        rules.forEach(r -> held.put(r.id(), r.version()));
        Set<Long> live = new HashSet<>();
        tx.select(EVENT_RULE.ID, EVENT_RULE.CURRENT_VERSION).from(EVENT_RULE)
                .where(EVENT_RULE.ID.in(held.keySet()).and(EVENT_RULE.ENABLED.isTrue()).and(EVENT_RULE.DELETED_AT.isNull()))
                .orderBy(EVENT_RULE.ID).forShare().fetch()
                .forEach(r -> {
                    if (r.value2().equals(held.get(r.value1()))) {
                        live.add(r.value1());
                    }
                });
        return live;
    }

    private static String key(long ruleId, String owner) {
        return ruleId + "/" + owner;
    }

    /**
     * The scheduled no-data check for one owner: raises unless a datapoint newer than
     * {@code silentSince} was evaluated meanwhile (by any instance) or the alarm is already active.
     */
    public static Optional<Transition> raiseNoData(DSLContext tx, EventRuleDef rule, String owner,
                                                   Long lastSeriesId, OffsetDateTime lastTs, OffsetDateTime silentSince) {
        EventRuleStateRecord state = lockState(tx, rule.id(), owner);
        if (state.getLastTs() != null && state.getLastTs().isAfter(silentSince)) {
            return Optional.empty();
        }
        if (live(tx, List.of(rule)).isEmpty()) {
            return Optional.empty();
        }
        AlarmRecord alarm = tx.selectFrom(ALARM)
                .where(ALARM.EVENT_RULE_ID.eq(rule.id()).and(ALARM.OWNER.eq(owner))).forUpdate().fetchOne();
        if (alarm != null && alarm.getState() == AlarmState.active) {
            return Optional.empty();
        }
        ObjectNode payload = OmniglassClient.JSON.createObjectNode();
        payload.put("rule", rule.name());
        payload.set("condition", rule.condition().toJson());
        payload.put("last_seen", lastTs == null ? null : lastTs.toString());
        long eventId = insertEvent(tx, rule, owner, "alarm.raised", EventOrigin.scheduled, lastSeriesId,
                lastSeriesId == null ? null : lastTs, payload);
        return Optional.of(new Transition(raise(tx, rule, owner, alarm, eventId, OffsetDateTime.now(ZoneOffset.UTC)),
                eventId, "alarm.raised"));
    }

    private static EventRuleStateRecord lockState(DSLContext tx, long ruleId, String owner) {
        tx.insertInto(EVENT_RULE_STATE)
                .set(EVENT_RULE_STATE.EVENT_RULE_ID, ruleId)
                .set(EVENT_RULE_STATE.OWNER, owner)
                .onConflictDoNothing().execute();
        return tx.selectFrom(EVENT_RULE_STATE)
                .where(EVENT_RULE_STATE.EVENT_RULE_ID.eq(ruleId).and(EVENT_RULE_STATE.OWNER.eq(owner)))
                .forUpdate().fetchOne();
    }

    private static long raise(DSLContext tx, EventRuleDef rule, String owner, AlarmRecord alarm, long eventId, OffsetDateTime at) {
        String message = render(rule, owner);
        if (alarm == null) {
            return tx.insertInto(ALARM)
                    .set(ALARM.EVENT_RULE_ID, rule.id())
                    .set(ALARM.EVENT_RULE_VERSION, rule.version())
                    .set(Owner.parse(owner).columns(ALARM))
                    .set(ALARM.STATE, AlarmState.active)
                    .set(ALARM.SEVERITY, rule.severity())
                    .set(ALARM.MESSAGE, message)
                    .set(ALARM.RAISED_AT, at)
                    .set(ALARM.RAISE_EVENT_ID, eventId)
                    .set(ALARM.LAST_EVENT_ID, eventId)
                    .returning(ALARM.ID).fetchOne().getId();
        }
        // a new raise needs a new acknowledgement; a snooze (shelving) outlives it until it expires
        tx.update(ALARM)
                .set(ALARM.EVENT_RULE_VERSION, rule.version())
                .set(ALARM.STATE, AlarmState.active)
                .set(ALARM.SEVERITY, rule.severity())
                .set(ALARM.MESSAGE, message)
                .set(ALARM.RAISED_AT, at)
                .setNull(ALARM.CLEARED_AT)
                .set(ALARM.RAISE_EVENT_ID, eventId)
                .set(ALARM.LAST_EVENT_ID, eventId)
                .set(ALARM.ACKED, false)
                .setNull(ALARM.ACKED_AT)
                .setNull(ALARM.ACKED_BY)
                .setNull(ALARM.ACK_REASON)
                .set(ALARM.UPDATED_AT, OffsetDateTime.now(ZoneOffset.UTC))
                .where(ALARM.ID.eq(alarm.getId())).execute();
        return alarm.getId();
    }

    private static void clear(DSLContext tx, AlarmRecord alarm, long eventId, OffsetDateTime at) {
        tx.update(ALARM)
                .set(ALARM.STATE, AlarmState.cleared)
                .set(ALARM.CLEARED_AT, at)
                .set(ALARM.LAST_EVENT_ID, eventId)
                .set(ALARM.UPDATED_AT, OffsetDateTime.now(ZoneOffset.UTC))
                .where(ALARM.ID.eq(alarm.getId())).execute();
    }

    private static long insertEvent(DSLContext tx, EventRuleDef rule, String owner, String name, EventOrigin origin,
                                    Long triggerSeries, OffsetDateTime triggerTs, ObjectNode payload) {
        return tx.insertInto(EVENT)
                .set(EVENT.NAME, name)
                .set(EVENT.ORIGIN, origin)
                .set(Owner.parse(owner).columns(EVENT))
                .set(EVENT.EVENT_RULE_ID, rule.id())
                .set(EVENT.EVENT_RULE_VERSION, rule.version())
                .set(EVENT.TRIGGER_SERIES_ID, triggerSeries)
                .set(EVENT.TRIGGER_TS, triggerTs)
                .set(EVENT.SEVERITY, rule.severity())
                .set(EVENT.MESSAGE, render(rule, owner))
                .set(EVENT.PAYLOAD, Jsonb.of(payload))
                .returning(EVENT.ID).fetchOne().getId();
    }

    private static ObjectNode payload(EventRuleDef rule, Reading dp) {
        ObjectNode p = OmniglassClient.JSON.createObjectNode();
        p.put("rule", rule.name());
        p.put("key", dp.key());
        if (dp.number() != null) {
            p.put("value", dp.number());
        } else {
            p.put("value", dp.text());
        }
        p.set("condition", rule.condition().toJson());
        return p;
    }

    private static String render(EventRuleDef rule, String owner) {
        String m = rule.message() == null || rule.message().isBlank() ? rule.name() : rule.message();
        return m.replace("{owner}", owner).replace("{key}", rule.key());
    }
}
