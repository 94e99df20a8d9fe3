package io.omniglass.core.alarms;

import io.omniglass.core.gateway.Jsonb;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniglass.core.rules.Condition;
import io.omniglass.core.rules.EventRuleDef;
import io.omniglass.core.rules.Owner;
import io.omniglass.core.rules.Reading;
import io.omniglass.core.rules.RuleDecision;
import io.omniglass.core.rules.SeriesIds;
import io.omniglass.core.gateway.HotSql;
import io.omniglass.api.OmniglassClient;
import io.omniglass.schema.tenant.enums.AlarmState;
import io.omniglass.schema.tenant.enums.EventOrigin;
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
 * caller's transaction (READ COMMITTED) after taking the (event_rule, owner) pair's advisory lock
 * ({@link #CREATE_STATES}), so evaluators on
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
     * trips besides the transitions themselves: one statement locks the pairs (in key order, so
     * concurrent evaluators cannot deadlock on them) and creates missing state rows, one reads
     * them, one reads the existing alarms, one batch writes the new states back.
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
        Long[] ruleIds = new Long[work.size()];
        String[] owners = new String[work.size()];
        for (int i = 0; i < work.size(); i++) {
            ruleIds[i] = work.get(i).rule().id();
            owners[i] = work.get(i).owner();
        }
        HotSql.Binder keys = ps -> {
            ps.setArray(1, HotSql.array(ps, "bigint", ruleIds));
            ps.setArray(2, HotSql.array(ps, "text", owners));
        };
        HotSql.update(tx, CREATE_STATES, keys);
        Map<String, EventRuleStateRecord> states = HotSql.query(tx, LOCK_STATES, keys, rs -> {
            Map<String, EventRuleStateRecord> m = new HashMap<>();
            while (rs.next()) {
                EventRuleStateRecord r = new EventRuleStateRecord(rs.getLong(1), rs.getString(2),
                        rs.getObject(3, OffsetDateTime.class), (Double) rs.getObject(4), rs.getString(5), null);
                m.put(key(r.getEventRuleId(), r.getOwner()), r);
            }
            return m;
        });
        Set<Long> live = live(tx, work.stream().map(Work::rule).toList());
        Map<String, Held> alarms = HotSql.query(tx, HELD_ALARMS, keys, rs -> {
            Map<String, Held> m = new HashMap<>();
            while (rs.next()) {
                m.put(key(rs.getLong(2), rs.getString(3)), new Held(rs.getLong(1), AlarmState.lookupLiteral(rs.getString(4))));
            }
            return m;
        });
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
            writeStates(tx, changed);
        }
        return done;
    }

    private static boolean evaluate(DSLContext tx, Work w, EventRuleStateRecord state, Map<String, Held> alarms,
                                    String key, List<Transition> done) {
        EventRuleDef rule = w.rule();
        String owner = w.owner();
        List<Reading> ordered = new ArrayList<>(w.datapoints());
        ordered.sort(Comparator.comparing(Reading::ts));
        boolean changed = false;
        for (Reading dp : ordered) {
            OffsetDateTime ts = dp.ts().atOffset(ZoneOffset.UTC);
            Held alarm = alarms.get(key);
            boolean active = alarm != null && alarm.state() == AlarmState.active;
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
                long alarmId = raise(tx, rule, owner, alarm == null ? null : alarm.id(), eventId, ts);
                alarms.put(key, new Held(alarmId, AlarmState.active)); // as raise() left the row, now locked by this transaction
                done.add(new Transition(alarmId, eventId, "alarm.raised"));
            } else if (step.change() == RuleDecision.Change.CLEAR) {
                Optional<Long> series = SeriesIds.resolve(tx, dp.owner(), dp.key(), dp.instance(), dp.provenance(), dp.source());
                long eventId = insertEvent(tx, rule, owner, "alarm.cleared", EventOrigin.rule, series.orElse(null),
                        series.isPresent() ? ts : null, payload(rule, dp));
                clear(tx, alarm.id(), eventId, ts);
                alarms.put(key, new Held(alarm.id(), AlarmState.cleared)); // as clear() left the row, now locked by this transaction
                done.add(new Transition(alarm.id(), eventId, "alarm.cleared"));
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
        Long[] ids = held.keySet().toArray(new Long[0]);
        return HotSql.query(tx, LIVE_RULES, ps -> ps.setArray(1, HotSql.array(ps, "bigint", ids)), rs -> {
            Set<Long> live = new HashSet<>();
            while (rs.next()) {
                long id = rs.getLong(1);
                if (Integer.valueOf(rs.getInt(2)).equals(held.get(id))) {
                    live.add(id);
                }
            }
            return live;
        });
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
        // the live decisions' statements, for one key: the state row created and locked, the rule live, the alarm read
        Long[] ruleIds = {rule.id()};
        String[] owners = {owner};
        HotSql.Binder keys = ps -> {
            ps.setArray(1, HotSql.array(ps, "bigint", ruleIds));
            ps.setArray(2, HotSql.array(ps, "text", owners));
        };
        HotSql.update(tx, CREATE_STATES, keys);
        OffsetDateTime lastDecided = HotSql.query(tx, LOCK_STATES, keys, rs -> rs.next() ? rs.getObject(3, OffsetDateTime.class) : null);
        if (lastDecided != null && lastDecided.isAfter(silentSince)) {
            return Optional.empty();
        }
        if (live(tx, List.of(rule)).isEmpty()) {
            return Optional.empty();
        }
        Held alarm = HotSql.query(tx, HELD_ALARMS, keys,
                rs -> rs.next() ? new Held(rs.getLong(1), AlarmState.lookupLiteral(rs.getString(4))) : null);
        if (alarm != null && alarm.state() == AlarmState.active) {
            return Optional.empty();
        }
        ObjectNode payload = OmniglassClient.JSON.createObjectNode();
        payload.put("rule", rule.name());
        payload.set("condition", rule.condition().toJson());
        payload.put("last_seen", lastTs == null ? null : lastTs.toString());
        long eventId = insertEvent(tx, rule, owner, "alarm.raised", EventOrigin.scheduled, lastSeriesId,
                lastSeriesId == null ? null : lastTs, payload);
        return Optional.of(new Transition(raise(tx, rule, owner, alarm == null ? null : alarm.id(), eventId,
                OffsetDateTime.now(ZoneOffset.UTC)),
                eventId, "alarm.raised"));
    }

    private static long raise(DSLContext tx, EventRuleDef rule, String owner, Long alarmId, long eventId, OffsetDateTime at) {
        String message = render(rule, owner);
        if (alarmId == null) {
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
        HotSql.update(tx, RAISE_AGAIN, ps -> {
            ps.setInt(1, rule.version());
            HotSql.setUntyped(ps, 2, rule.severity().getLiteral());
            ps.setString(3, message);
            HotSql.setTs(ps, 4, at);
            ps.setLong(5, eventId);
            ps.setLong(6, eventId);
            HotSql.setTs(ps, 7, OffsetDateTime.now(ZoneOffset.UTC));
            ps.setLong(8, alarmId);
        });
        return alarmId;
    }

    private static void clear(DSLContext tx, long alarmId, long eventId, OffsetDateTime at) {
        HotSql.update(tx, CLEAR, ps -> {
            HotSql.setTs(ps, 1, at);
            ps.setLong(2, eventId);
            HotSql.setTs(ps, 3, OffsetDateTime.now(ZoneOffset.UTC));
            ps.setLong(4, alarmId);
        });
    }

    private static long insertEvent(DSLContext tx, EventRuleDef rule, String owner, String name, EventOrigin origin,
                                    Long triggerSeries, OffsetDateTime triggerTs, ObjectNode payload) {
        Owner o = Owner.parse(owner);
        String json = Jsonb.of(payload).data();
        String message = render(rule, owner);
        return HotSql.query(tx, INSERT_EVENT, ps -> {
            ps.setString(1, name);
            HotSql.setUntyped(ps, 2, origin.getLiteral());
            o.bind(ps, 3); // parameters 3 to 7
            ps.setLong(8, rule.id());
            ps.setInt(9, rule.version());
            HotSql.setLong(ps, 10, triggerSeries);
            HotSql.setTs(ps, 11, triggerTs);
            HotSql.setUntyped(ps, 12, rule.severity().getLiteral());
            ps.setString(13, message);
            HotSql.setUntyped(ps, 14, json);
        }, rs -> {
            rs.next();
            return rs.getLong(1);
        });
    }

    /** The decided states written back in one statement (was a jOOQ batch of one rendered UPDATE per record). */
    private static void writeStates(DSLContext tx, List<EventRuleStateRecord> changed) {
        int n = changed.size();
        Long[] ids = new Long[n];
        String[] owners = new String[n];
        String[] ts = new String[n];
        Double[] values = new Double[n];
        String[] texts = new String[n];
        String[] updated = new String[n];
        for (int i = 0; i < n; i++) {
            EventRuleStateRecord r = changed.get(i);
            ids[i] = r.getEventRuleId();
            owners[i] = r.getOwner();
            ts[i] = r.getLastTs() == null ? null : r.getLastTs().toString();
            values[i] = r.getLastValue();
            texts[i] = r.getLastText();
            updated[i] = r.getUpdatedAt().toString();
        }
        HotSql.update(tx, WRITE_STATES, ps -> {
            ps.setArray(1, HotSql.array(ps, "bigint", ids));
            ps.setArray(2, HotSql.array(ps, "text", owners));
            ps.setArray(3, HotSql.array(ps, "text", ts));
            ps.setArray(4, HotSql.array(ps, "float8", values));
            ps.setArray(5, HotSql.array(ps, "text", texts));
            ps.setArray(6, HotSql.array(ps, "text", updated));
        });
    }

    /** An alarm row as the decisions need it: which, and whether active. */
    private record Held(long id, AlarmState state) {
    }

    private static final String STATE_KEYS = "(SELECT * FROM unnest(?::bigint[], ?::text[]))";

    /*
     * The decisions of one (rule, owner) are serialized by a transaction-level advisory lock on the
     * pair (two int4 keys: the rule id, the owner's hash; a shared hash only makes two owners wait
     * for each other), taken here in key order, so concurrent evaluators cannot deadlock on them,
     * before the missing state rows are made. The state row was taken FOR UPDATE until the twelfth
     * session: a Heap/LOCK WAL record per pair at every decision, besides its update, that every
     * logical slot of the server decodes (docs/fleet.md, s12-walperdp). An advisory lock writes no
     * WAL. Every reader and writer of event_rule_state's decisions goes through these statements.
     * The inner ORDER BY keeps the subquery from being flattened, so the locks are taken in its order.
     */
    private static final String CREATE_STATES = "INSERT INTO " + HotSql.q(EVENT_RULE_STATE)
            + " (" + HotSql.q(EVENT_RULE_STATE.EVENT_RULE_ID) + ", " + HotSql.q(EVENT_RULE_STATE.OWNER) + ") "
            + "SELECT r, o FROM (SELECT r, o, pg_advisory_xact_lock(k1, k2) FROM (SELECT DISTINCT r, o, "
            + "(r % 2147483647)::int AS k1, hashtext(o) AS k2 FROM unnest(?::bigint[], ?::text[]) AS u (r, o) "
            + "ORDER BY k1, k2, r, o) keyed) locked ON CONFLICT DO NOTHING";

    /**
     * A plain read: the statement after the locks sees what the previous holder of each pair
     * committed (READ COMMITTED: a new snapshot per statement). The decided state is written back
     * by {@link #WRITE_STATES}, whose update locks the row itself.
     */
    private static final String LOCK_STATES = "SELECT " + HotSql.q(EVENT_RULE_STATE.EVENT_RULE_ID) + ", "
            + HotSql.q(EVENT_RULE_STATE.OWNER) + ", " + HotSql.q(EVENT_RULE_STATE.LAST_TS) + ", "
            + HotSql.q(EVENT_RULE_STATE.LAST_VALUE) + ", " + HotSql.q(EVENT_RULE_STATE.LAST_TEXT)
            + " FROM " + HotSql.q(EVENT_RULE_STATE)
            + " WHERE (" + HotSql.q(EVENT_RULE_STATE.EVENT_RULE_ID) + ", " + HotSql.q(EVENT_RULE_STATE.OWNER) + ") IN " + STATE_KEYS;

    /**
     * Read, not locked: an alarm's state changes only under its (rule, owner) state row, which the
     * caller holds (its advisory lock), or under its rule row taken for update (a disable), which
     * {@link #LIVE_RULES} holds FOR SHARE; a raise or clear then updates the row, locking it. A FOR
     * UPDATE here wrote a row-lock WAL record per alarm at every decision, which every CDC slot
     * decodes, and waited for any transaction whose foreign key referenced the alarm (a fingerprint
     * being stored, an action) to end.
     */
    private static final String HELD_ALARMS = "SELECT " + HotSql.q(ALARM.ID) + ", " + HotSql.q(ALARM.EVENT_RULE_ID) + ", "
            + HotSql.q(ALARM.OWNER) + ", " + HotSql.q(ALARM.STATE) + " FROM " + HotSql.q(ALARM)
            + " WHERE (" + HotSql.q(ALARM.EVENT_RULE_ID) + ", " + HotSql.q(ALARM.OWNER) + ") IN " + STATE_KEYS;

    private static final String LIVE_RULES = "SELECT " + HotSql.q(EVENT_RULE.ID) + ", " + HotSql.q(EVENT_RULE.CURRENT_VERSION)
            + " FROM " + HotSql.q(EVENT_RULE) + " WHERE " + HotSql.q(EVENT_RULE.ID) + " = ANY (?::bigint[]) AND "
            + HotSql.q(EVENT_RULE.ENABLED) + " AND " + HotSql.q(EVENT_RULE.DELETED_AT) + " IS NULL ORDER BY "
            + HotSql.q(EVENT_RULE.ID) + " FOR SHARE";

    private static final String WRITE_STATES = "UPDATE " + HotSql.q(EVENT_RULE_STATE) + " AS s SET "
            + HotSql.q(EVENT_RULE_STATE.LAST_TS) + " = v.last_ts, " + HotSql.q(EVENT_RULE_STATE.LAST_VALUE) + " = v.last_value, "
            + HotSql.q(EVENT_RULE_STATE.LAST_TEXT) + " = v.last_text, " + HotSql.q(EVENT_RULE_STATE.UPDATED_AT) + " = v.updated_at"
            + " FROM unnest(?::bigint[], ?::text[], ?::text[]::timestamptz[], ?::float8[], ?::text[], ?::text[]::timestamptz[])"
            + " AS v(event_rule_id, owner, last_ts, last_value, last_text, updated_at)"
            + " WHERE s." + HotSql.q(EVENT_RULE_STATE.EVENT_RULE_ID) + " = v.event_rule_id AND s."
            + HotSql.q(EVENT_RULE_STATE.OWNER) + " = v.owner";

    private static final String RAISE_AGAIN = "UPDATE " + HotSql.q(ALARM) + " SET "
            + HotSql.q(ALARM.EVENT_RULE_VERSION) + " = ?, " + HotSql.q(ALARM.STATE) + " = 'active', "
            + HotSql.q(ALARM.SEVERITY) + " = ?, " + HotSql.q(ALARM.MESSAGE) + " = ?, " + HotSql.q(ALARM.RAISED_AT) + " = ?, "
            + HotSql.q(ALARM.CLEARED_AT) + " = NULL, " + HotSql.q(ALARM.RAISE_EVENT_ID) + " = ?, "
            + HotSql.q(ALARM.LAST_EVENT_ID) + " = ?, " + HotSql.q(ALARM.ACKED) + " = false, "
            + HotSql.q(ALARM.ACKED_AT) + " = NULL, " + HotSql.q(ALARM.ACKED_BY) + " = NULL, " + HotSql.q(ALARM.ACK_REASON) + " = NULL, "
            + HotSql.q(ALARM.UPDATED_AT) + " = ? WHERE " + HotSql.q(ALARM.ID) + " = ?";

    private static final String CLEAR = "UPDATE " + HotSql.q(ALARM) + " SET " + HotSql.q(ALARM.STATE) + " = 'cleared', "
            + HotSql.q(ALARM.CLEARED_AT) + " = ?, " + HotSql.q(ALARM.LAST_EVENT_ID) + " = ?, " + HotSql.q(ALARM.UPDATED_AT)
            + " = ? WHERE " + HotSql.q(ALARM.ID) + " = ?";

    private static final String INSERT_EVENT = "INSERT INTO " + HotSql.q(EVENT) + " (" + HotSql.q(EVENT.NAME) + ", "
            + HotSql.q(EVENT.ORIGIN) + ", " + Owner.arcColumns(EVENT) + ", "
            + HotSql.q(EVENT.EVENT_RULE_ID) + ", " + HotSql.q(EVENT.EVENT_RULE_VERSION) + ", " + HotSql.q(EVENT.TRIGGER_SERIES_ID) + ", "
            + HotSql.q(EVENT.TRIGGER_TS) + ", " + HotSql.q(EVENT.SEVERITY) + ", " + HotSql.q(EVENT.MESSAGE) + ", "
            + HotSql.q(EVENT.PAYLOAD) + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + HotSql.q(EVENT.ID);

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
