package io.omniglass.core.similar;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.SimilarAlarm;
import io.omniglass.core.gateway.FilterFields;
import io.omniglass.schema.tenant.tables.AuditLog;
import io.omniglass.schema.tenant.tables.records.AlarmFingerprintRecord;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.Select;
import org.jooq.SelectConditionStep;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

import static io.omniglass.schema.tenant.Tables.ACTION;
import static io.omniglass.schema.tenant.Tables.ALARM_FINGERPRINT;
import static io.omniglass.schema.tenant.Tables.AUDIT_LOG;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE;

/**
 * The similar-alarms search: ONE statement that orders past fingerprints by their distance to the
 * asked-about raise through the HNSW index, narrowed in the same WHERE clause by the caller's
 * scope and filter (rule, owner, time, acknowledged with a reason ...), and joins each of the
 * closest to its outcome: the acknowledgement and snooze of that occurrence (its audit rows), its
 * clear, and the commands that followed its raise (action rows whose command event names the raise).
 */
public final class SimilarSearch {

    /**
     * The pgvector column: it exists only where the extension does (see V70), so it is not in the
     * generated classes; named here once, qualified by the generated table.
     */
    static final Field<Object> EMBEDDING = DSL.field(ALARM_FINGERPRINT.getUnqualifiedName().append(SimilarSchema.EMBEDDING), SQLDataType.OTHER);

    public static final int DEFAULT_LIMIT = 10;
    public static final int MAX_LIMIT = 100;

    private SimilarSearch() {
    }

    /** The filter fields of the search (over the candidate past occurrences), {@code q} being the asked-about raise. */
    static FilterFields fields(AlarmFingerprintRecord q) {
        return FilterFields.builder()
                .number("alarm_id", ALARM_FINGERPRINT.ALARM_ID)
                .number("event_rule_id", ALARM_FINGERPRINT.EVENT_RULE_ID)
                .text("rule", EVENT_RULE.NAME)
                .text("owner", ALARM_FINGERPRINT.OWNER)
                .enumeration("owner_kind", ALARM_FINGERPRINT.OWNER_KIND)
                .timestamp("raised_at", ALARM_FINGERPRINT.RAISED_AT)
                .bool("same_rule", DSL.field(ALARM_FINGERPRINT.EVENT_RULE_ID.eq(q.getEventRuleId())))
                .bool("same_owner", DSL.field(ALARM_FINGERPRINT.OWNER.eq(q.getOwner())))
                .bool("same_keys", DSL.field(ALARM_FINGERPRINT.KEYS.eq(q.getKeys())))
                .bool("acked", DSL.field(DSL.exists(operatorRow(AUDIT_LOG.as("fa"), "alarm.ack", "ack_reason"))))
                .bool("snoozed", DSL.field(DSL.exists(operatorRow(AUDIT_LOG.as("fs"), "alarm.snooze", "snooze_reason"))))
                .build();
    }

    /**
     * An operator's {@code verb} with a non-blank reason on the candidate's alarm within the
     * candidate occurrence's span (correlated with the outer {@code alarm_fingerprint}).
     */
    private static SelectConditionStep<Record> operatorRow(AuditLog a, String verb, String reasonKey) {
        return DSL.select().from(a).where(within(a, ALARM_FINGERPRINT.ALARM_ID, ALARM_FINGERPRINT.OCCURRED_FROM,
                        ALARM_FINGERPRINT.OCCURRED_UNTIL)
                .and(a.VERB.eq(verb))
                .and(DSL.trim(DSL.jsonbGetAttributeAsText(a.NEW, reasonKey)).ne("")));
    }

    private static Condition within(AuditLog a, Field<Long> alarmId, Field<OffsetDateTime> from, Field<OffsetDateTime> until) {
        return a.RESOURCE.eq(DSL.inline("alarm:").concat(alarmId.cast(String.class)))
                .and(a.TS.ge(from))
                .and(until.isNull().or(a.TS.lt(until)));
    }

    /**
     * The asked-about fingerprint as a bound vector value, the index scan's order-by argument. (Bound
     * rather than a sub-select of the table: under a scoped token every reference to the table pays
     * the row-level-security scope sets again.)
     */
    static Field<Object> queryVector(AlarmFingerprintRecord q) {
        StringBuilder text = new StringBuilder("[");
        for (Float x : q.getLeadUp()) {
            text.append(text.length() == 1 ? "" : ",").append(x);
        }
        return DSL.field("cast({0} as vector)", SQLDataType.OTHER, DSL.val(text.append(']').toString()));
    }

    static Field<Double> distance(AlarmFingerprintRecord q) {
        return DSL.field("{0} <-> {1}", SQLDataType.DOUBLE, EMBEDDING, queryVector(q));
    }

    /**
     * The closest past occurrences to the raise {@code q} (a fingerprint with a vector), {@code where}
     * being the caller's scope and filter over {@code alarm_fingerprint}.
     */
    static List<SimilarAlarm> search(DSLContext tx, AlarmFingerprintRecord q, Condition where, int limit) {
        // the index scan goes on past rows the filter drops until it has enough (pgvector 0.8);
        // the outer ORDER BY restores the exact order the relaxed scan may bend
        tx.select(DSL.function("set_config", String.class, DSL.inline("hnsw.iterative_scan"), DSL.inline("relaxed_order"), DSL.inline(true)),
                DSL.function("set_config", String.class, DSL.inline("hnsw.ef_search"), DSL.val(Integer.toString(Math.max(40, 2 * limit))), DSL.inline(true)))
                .fetch();
        Table<?> top = top(q, where, limit).asTable("top");

        Field<Long> alarmId = top.field(ALARM_FINGERPRINT.ALARM_ID);
        Field<Long> eventId = top.field(ALARM_FINGERPRINT.EVENT_ID);
        Field<Long> ruleId = top.field(ALARM_FINGERPRINT.EVENT_RULE_ID);
        Field<String> owner = top.field(ALARM_FINGERPRINT.OWNER);
        Field<OffsetDateTime> from = top.field(ALARM_FINGERPRINT.OCCURRED_FROM);
        Field<OffsetDateTime> until = top.field(ALARM_FINGERPRINT.OCCURRED_UNTIL);
        Field<Double> dist = top.field("distance", Double.class);

        AuditLog ack = AUDIT_LOG.as("ack");
        Field<JSONB> ackRow = DSL.field(DSL.select(DSL.jsonbObject(
                                DSL.key("reason").value(DSL.jsonbGetAttributeAsText(ack.NEW, "ack_reason")),
                                DSL.key("by").value(ack.ACTOR), DSL.key("at").value(ack.TS)))
                        .from(ack).where(within(ack, alarmId, from, until)).and(ack.VERB.eq("alarm.ack"))
                        .orderBy(ack.TS).limit(1)).as("ack");
        AuditLog snooze = AUDIT_LOG.as("snooze");
        Field<JSONB> snoozeRow = DSL.field(DSL.select(DSL.jsonbObject(
                                DSL.key("reason").value(DSL.jsonbGetAttributeAsText(snooze.NEW, "snooze_reason")),
                                DSL.key("by").value(snooze.ACTOR),
                                DSL.key("until").value(DSL.jsonbGetAttributeAsText(snooze.NEW, "snoozed_until"))))
                        .from(snooze).where(within(snooze, alarmId, from, until)).and(snooze.VERB.eq("alarm.snooze"))
                        .orderBy(snooze.TS.desc()).limit(1)).as("snooze");
        var cleared = EVENT.as("cleared");
        Field<OffsetDateTime> clearedAt = DSL.field(DSL.select(DSL.min(DSL.coalesce(cleared.TRIGGER_TS, cleared.TS)))
                .from(cleared).where(cleared.NAME.eq("alarm.cleared")).and(cleared.EVENT_RULE_ID.eq(ruleId))
                .and(cleared.OWNER.eq(owner)).and(cleared.TS.ge(from)).and(until.isNull().or(cleared.TS.lt(until)))).as("cleared_at");
        var command = EVENT.as("command");
        Field<JSONB> actions = DSL.field(DSL.select(DSL.jsonbArrayAgg(DSL.jsonbObject(
                                DSL.key("id").value(ACTION.ID), DSL.key("owner").value(ACTION.OWNER),
                                DSL.key("key").value(ACTION.KEY), DSL.key("status").value(ACTION.STATUS),
                                DSL.key("command").value(ACTION.COMMAND), DSL.key("created_at").value(ACTION.CREATED_AT)))
                                .orderBy(ACTION.ID))
                        .from(ACTION).join(command).on(command.ID.eq(ACTION.COMMAND_EVENT_ID))
                        .where(command.TRIGGER_EVENT_ID.eq(eventId))).as("actions");

        List<SimilarAlarm> out = new ArrayList<>();
        for (Record r : tx.select(top.fields()).select(ackRow, snoozeRow, clearedAt, actions).from(top).orderBy(dist).fetch()) {
            JsonNode a = json(r.get(ackRow));
            JsonNode s = json(r.get(snoozeRow));
            OffsetDateTime clearedTs = r.get(clearedAt);
            String ended = clearedTs != null ? "cleared" : r.get(until) != null ? "raised_again" : "active";
            out.add(new SimilarAlarm(r.get(alarmId), r.get(eventId), r.get(top.field(EVENT_RULE.NAME)), r.get(owner),
                    r.get(top.field(ALARM_FINGERPRINT.RAISED_AT)), r.get(dist), ended, clearedTs,
                    text(a, "reason"), text(a, "by"), time(a, "at"),
                    text(s, "reason"), text(s, "by"), time(s, "until"),
                    actions(r.get(actions)), List.of(r.get(top.field(ALARM_FINGERPRINT.KEYS))),
                    FingerprintStore.list(r.get(top.field(ALARM_FINGERPRINT.LEAD_UP)))));
        }
        return out;
    }

    /** The vector search itself: past occurrences in scope and filter, closest first (the HNSW index scan). */
    static Select<? extends Record> top(AlarmFingerprintRecord q, Condition where, int limit) {
        Field<Double> distance = distance(q).as("distance");
        return DSL.select(ALARM_FINGERPRINT.EVENT_ID, ALARM_FINGERPRINT.ALARM_ID, ALARM_FINGERPRINT.EVENT_RULE_ID,
                        EVENT_RULE.NAME, ALARM_FINGERPRINT.OWNER, ALARM_FINGERPRINT.RAISED_AT,
                        ALARM_FINGERPRINT.OCCURRED_FROM, ALARM_FINGERPRINT.OCCURRED_UNTIL,
                        ALARM_FINGERPRINT.KEYS, ALARM_FINGERPRINT.LEAD_UP, distance)
                .from(ALARM_FINGERPRINT)
                .join(EVENT_RULE).on(EVENT_RULE.ID.eq(ALARM_FINGERPRINT.EVENT_RULE_ID))
                .where(ALARM_FINGERPRINT.EVENT_ID.ne(q.getEventId()))
                .and(ALARM_FINGERPRINT.RECIPE_VERSION.eq((short) FingerprintRecipe.VERSION))
                .and(EMBEDDING.isNotNull())
                .and(ALARM_FINGERPRINT.RAISED_AT.lt(q.getRaisedAt()))
                .and(where)
                .orderBy(distance(q))
                .limit(limit);
    }

    private static JsonNode json(JSONB j) {
        if (j == null) {
            return null;
        }
        try {
            return OmniglassClient.JSON.readTree(j.data());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(JsonNode n, String field) {
        return n == null || n.get(field) == null || n.get(field).isNull() ? null : n.get(field).asText();
    }

    private static OffsetDateTime time(JsonNode n, String field) {
        String t = text(n, field);
        return t == null ? null : OffsetDateTime.parse(t);
    }

    private static List<SimilarAlarm.Action> actions(JSONB j) {
        if (j == null) {
            return List.of();
        }
        try {
            return OmniglassClient.JSON.readValue(j.data(), new TypeReference<List<SimilarAlarm.Action>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
