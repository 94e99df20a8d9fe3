package io.omniglass.core.alarms;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.AlarmJournal;
import io.omniglass.api.AlarmJournalEntry;
import io.omniglass.api.OmniglassClient;
import io.omniglass.schema.tenant.enums.EventOrigin;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.Record;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.AUDIT_LOG;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE;

/**
 * The alarm journal, read from where it already is: an alarm row holds only its current state,
 * its transitions are the {@code alarm.raised}/{@code alarm.cleared} events of its (rule, owner),
 * and every operator (or scheduled) change of it is an audit_log row on {@code alarm:<id>}. Both
 * are append-only, so the journal cannot disagree with what happened. Merged in time order.
 */
final class AlarmJournalQuery {

    private static final List<String> TRANSITIONS = List.of("alarm.raised", "alarm.cleared");

    /** What to read: {@code visible} is the caller's scope over the alarm table; null filters are absent. */
    record Query(Condition visible, Long alarmId, String ownerGlob, String rule, String operator,
                 OffsetDateTime from, OffsetDateTime to, int limit) {
    }

    private AlarmJournalQuery() {
    }

    static AlarmJournal read(DSLContext tx, Query q) {
        Condition alarms = q.visible();
        if (q.alarmId() != null) {
            alarms = alarms.and(ALARM.ID.eq(q.alarmId()));
        }
        if (q.ownerGlob() != null) {
            alarms = alarms.and(q.ownerGlob().contains("*") ? ALARM.OWNER.like(like(q.ownerGlob()), '\\') : ALARM.OWNER.eq(q.ownerGlob()));
        }
        if (q.rule() != null) {
            alarms = alarms.and(EVENT_RULE.NAME.eq(q.rule()));
        }
        List<AlarmJournalEntry> out = new ArrayList<>();
        boolean truncated = transitions(tx, q, alarms, out) | actions(tx, q, alarms, out);
        out.sort(Comparator.comparing(AlarmJournalEntry::at).thenComparing(AlarmJournalEntry::kind, Comparator.reverseOrder())
                .thenComparingLong(AlarmJournalEntry::ref));
        if (out.size() > q.limit()) {
            out = new ArrayList<>(out.subList(0, q.limit()));
            truncated = true;
        }
        return new AlarmJournal(out, truncated);
    }

    /** The raise and clear events of the alarms' (rule, owner)s; true when more than the limit matched. */
    private static boolean transitions(DSLContext tx, Query q, Condition alarms, List<AlarmJournalEntry> out) {
        Condition where = alarms.and(EVENT.NAME.in(TRANSITIONS)).and(time(EVENT.TS, q));
        if (q.operator() != null) {
            where = where.and(EVENT.ACTOR.eq(q.operator()));
        }
        var rows = tx.select(EVENT.ID, EVENT.TS, EVENT.NAME, EVENT.ORIGIN, EVENT.ACTOR, EVENT.SEVERITY, EVENT.MESSAGE,
                        ALARM.ID, ALARM.OWNER, EVENT_RULE.NAME)
                .from(EVENT)
                .join(ALARM).on(ALARM.EVENT_RULE_ID.eq(EVENT.EVENT_RULE_ID).and(ALARM.OWNER.eq(EVENT.OWNER)))
                .join(EVENT_RULE).on(EVENT_RULE.ID.eq(ALARM.EVENT_RULE_ID))
                .where(where).orderBy(EVENT.TS, EVENT.ID).limit(q.limit() + 1).fetch();
        for (Record r : rows.subList(0, Math.min(rows.size(), q.limit()))) {
            String rule = r.get(EVENT_RULE.NAME);
            String actor = r.get(EVENT.ACTOR) != null ? r.get(EVENT.ACTOR)
                    : r.get(EVENT.ORIGIN) == EventOrigin.scheduled ? AlarmService.SCHEDULER : "rule:" + rule;
            out.add(new AlarmJournalEntry(r.get(EVENT.TS), r.get(ALARM.ID), r.get(ALARM.OWNER), rule,
                    AlarmJournalEntry.TRANSITION, r.get(EVENT.NAME).substring("alarm.".length()), actor, null,
                    r.get(EVENT.SEVERITY).getLiteral(), r.get(EVENT.MESSAGE), null, r.get(EVENT.ID)));
        }
        return rows.size() > q.limit();
    }

    /** The audit rows of the alarms (ack, snooze, unsnooze, snooze expiry); true when more than the limit matched. */
    private static boolean actions(DSLContext tx, Query q, Condition alarms, List<AlarmJournalEntry> out) {
        Condition where = alarms.and(AUDIT_LOG.VERB.like("alarm.%")).and(time(AUDIT_LOG.TS, q));
        if (q.operator() != null) {
            where = where.and(AUDIT_LOG.ACTOR.eq(q.operator()));
        }
        var resource = q.alarmId() != null ? DSL.val("alarm:" + q.alarmId())
                : DSL.inline("alarm:").concat(ALARM.ID.cast(SQLDataType.VARCHAR));
        var rows = tx.select(AUDIT_LOG.ID, AUDIT_LOG.TS, AUDIT_LOG.VERB, AUDIT_LOG.ACTOR, AUDIT_LOG.NEW,
                        ALARM.ID, ALARM.OWNER, EVENT_RULE.NAME)
                .from(AUDIT_LOG)
                .join(ALARM).on(AUDIT_LOG.RESOURCE.eq(resource))
                .join(EVENT_RULE).on(EVENT_RULE.ID.eq(ALARM.EVENT_RULE_ID))
                .where(where).orderBy(AUDIT_LOG.TS, AUDIT_LOG.ID).limit(q.limit() + 1).fetch();
        for (Record r : rows.subList(0, Math.min(rows.size(), q.limit()))) {
            String what = r.get(AUDIT_LOG.VERB).substring("alarm.".length());
            JsonNode neu = json(r.get(AUDIT_LOG.NEW));
            String reason = switch (what) {
                case "ack" -> text(neu, "ack_reason");
                case "snooze" -> text(neu, "snooze_reason");
                default -> null;
            };
            String until = what.equals("snooze") ? text(neu, "snoozed_until") : null;
            out.add(new AlarmJournalEntry(r.get(AUDIT_LOG.TS), r.get(ALARM.ID), r.get(ALARM.OWNER), r.get(EVENT_RULE.NAME),
                    AlarmJournalEntry.ACTION, what, r.get(AUDIT_LOG.ACTOR), reason, null, null,
                    until == null ? null : OffsetDateTime.parse(until).withOffsetSameInstant(ZoneOffset.UTC), r.get(AUDIT_LOG.ID)));
        }
        return rows.size() > q.limit();
    }

    private static Condition time(org.jooq.Field<OffsetDateTime> ts, Query q) {
        Condition c = DSL.trueCondition();
        if (q.from() != null) {
            c = c.and(ts.ge(q.from()));
        }
        if (q.to() != null) {
            c = c.and(ts.lt(q.to()));
        }
        return c;
    }

    private static JsonNode json(JSONB b) {
        if (b == null) {
            return null;
        }
        try {
            return OmniglassClient.JSON.readTree(b.data());
        } catch (IOException e) {
            return null;
        }
    }

    private static String text(JsonNode n, String field) {
        return n == null || !n.hasNonNull(field) ? null : n.get(field).asText();
    }

    /** A glob ({@code *} any text) as a LIKE pattern with {@code \} escaping the rest. */
    static String like(String glob) {
        return glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace('*', '%');
    }
}
