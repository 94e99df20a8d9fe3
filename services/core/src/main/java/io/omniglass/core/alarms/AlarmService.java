package io.omniglass.core.alarms;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import io.omniglass.api.AlarmInfo;
import io.omniglass.api.AlarmResult;
import io.omniglass.core.rules.Owner;
import io.omniglass.schema.tenant.enums.AlarmState;
import io.omniglass.schema.tenant.enums.EventOrigin;
import io.omniglass.schema.tenant.tables.records.AlarmRecord;
import io.omniglass.core.gateway.GatewaySession;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE;

/**
 * Operator changes to alarms: acknowledge, snooze (shelve) until a time, unsnooze; single or bulk
 * with a result per alarm. Each change takes the alarm row FOR UPDATE and writes its audit_log row
 * (old -> new) in the same transaction. {@code visible} is the caller's scope over the alarm
 * table: an alarm outside it is reported exactly like one that does not exist (404).
 */
public final class AlarmService {

    public static final String SCHEDULER = "system:scheduler";

    /** Runs work in one transaction: a gateway session's (scoped, audited requests) or the core's own. */
    public interface Transactions {
        <T> T run(Function<DSLContext, T> work);
    }

    private final Transactions db;

    public AlarmService(Transactions db) {
        this.db = db;
    }

    /** The core's own work (the scheduled checks), as the table owner. */
    public static AlarmService system(DSLContext db) {
        return new AlarmService(new Transactions() {
            public <T> T run(Function<DSLContext, T> work) {
                return db.transactionResult(cfg -> work.apply(cfg.dsl()));
            }
        });
    }

    /** A request's work: in its gateway session (scope settings, row-level security, telemetry). */
    public static AlarmService scoped(GatewaySession session) {
        return new AlarmService(new Transactions() {
            public <T> T run(Function<DSLContext, T> work) {
                return session.transaction(work::apply);
            }
        });
    }

    public List<AlarmInfo> list(Condition where, int limit) {
        return db.run(tx -> tx.select().from(ALARM).join(EVENT_RULE).on(EVENT_RULE.ID.eq(ALARM.EVENT_RULE_ID))
                .where(where).orderBy(ALARM.ID).limit(limit).fetch(AlarmService::info));
    }

    public Optional<AlarmInfo> get(long id, Condition visible) {
        return db.run(tx -> fetch(tx, id, visible));
    }

    private static Optional<AlarmInfo> fetch(DSLContext tx, long id, Condition visible) {
        return tx.select().from(ALARM).join(EVENT_RULE).on(EVENT_RULE.ID.eq(ALARM.EVENT_RULE_ID))
                .where(ALARM.ID.eq(id).and(visible)).fetchOptional(AlarmService::info);
    }

    public AlarmResult ack(long id, String reason, AuditActor actor, Condition visible) {
        return change(id, visible, actor, "alarm.ack", a -> {
            if (a.getAcked()) {
                return false;
            }
            a.setAcked(true);
            a.setAckedAt(now());
            a.setAckedBy(actor.name());
            a.setAckReason(blankToNull(reason));
            return true;
        });
    }

    public AlarmResult snooze(long id, OffsetDateTime until, String reason, AuditActor actor, Condition visible) {
        Optional<AlarmResult> bad = checkSnooze(id, until, reason);
        if (bad.isPresent()) {
            return bad.get();
        }
        return change(id, visible, actor, "alarm.snooze", a -> {
            a.setSnoozedUntil(until);
            a.setSnoozedAt(now());
            a.setSnoozedBy(actor.name());
            a.setSnoozeReason(reason.trim());
            return true;
        });
    }

    public AlarmResult unsnooze(long id, AuditActor actor, Condition visible) {
        return change(id, visible, actor, "alarm.unsnooze", a -> {
            if (a.getSnoozedUntil() == null) {
                return false;
            }
            clearSnooze(a);
            return true;
        });
    }

    public List<AlarmResult> ackAll(List<Long> ids, String reason, AuditActor actor, Condition visible) {
        List<AlarmResult> out = new ArrayList<>();
        for (Long id : ids) {
            out.add(id == null ? new AlarmResult(0, 400, "alarm id must be a number", null) : ack(id, reason, actor, visible));
        }
        return out;
    }

    public List<AlarmResult> snoozeAll(List<Long> ids, OffsetDateTime until, String reason, AuditActor actor, Condition visible) {
        List<AlarmResult> out = new ArrayList<>();
        for (Long id : ids) {
            out.add(id == null ? new AlarmResult(0, 400, "alarm id must be a number", null)
                    : snooze(id, until, reason, actor, visible));
        }
        return out;
    }

    /** The longest snooze: past it an alarm must be looked at again (re-snoozing is one more audited decision). */
    public static final java.time.Duration MAX_SNOOZE = java.time.Duration.ofDays(30);

    /** Why a snooze request cannot be honoured (400), if it cannot. */
    public static Optional<AlarmResult> checkSnooze(long id, OffsetDateTime until, String reason) {
        if (reason == null || reason.isBlank()) {
            return Optional.of(new AlarmResult(id, 400, "a reason is required to snooze an alarm", null));
        }
        if (until == null) {
            return Optional.of(new AlarmResult(id, 400, "until is required (an ISO-8601 time)", null));
        }
        if (!until.isAfter(now())) {
            return Optional.of(new AlarmResult(id, 400, "until must be in the future", null));
        }
        if (until.isAfter(now().plus(MAX_SNOOZE))) {
            // a shelved alarm is a silenced one: a snooze "until 9999" would silence it for good
            return Optional.of(new AlarmResult(id, 400, "until must be within " + MAX_SNOOZE.toDays() + " days", null));
        }
        return Optional.empty();
    }

    /**
     * Ends snoozes whose time has come: the snooze is cleared (audited as the scheduler) and an
     * alarm still active is announced again with an event of origin scheduled. Rows another
     * instance is expiring right now are skipped, so every expiry happens once.
     */
    public int expireSnoozes() {
        return db.run(tx -> {
            List<AlarmRecord> due = tx.selectFrom(ALARM).where(ALARM.SNOOZED_UNTIL.le(now()))
                    .orderBy(ALARM.ID).limit(200).forUpdate().skipLocked().fetch();
            for (AlarmRecord a : due) {
                Map<String, Object> old = snapshot(a);
                clearSnooze(a);
                if (a.getState() == AlarmState.active) {
                    long eventId = tx.insertInto(EVENT)
                            .set(EVENT.NAME, "alarm.snooze_expired")
                            .set(EVENT.ORIGIN, EventOrigin.scheduled)
                            .set(Owner.parse(a.getOwner()).columns(EVENT))
                            .set(EVENT.EVENT_RULE_ID, a.getEventRuleId())
                            .set(EVENT.EVENT_RULE_VERSION, a.getEventRuleVersion())
                            .set(EVENT.TRIGGER_EVENT_ID, a.getRaiseEventId())
                            .set(EVENT.SEVERITY, a.getSeverity())
                            .set(EVENT.MESSAGE, "snooze expired, still active: " + a.getMessage())
                            .returning(EVENT.ID).fetchOne().getId();
                    a.setLastEventId(eventId);
                }
                a.setUpdatedAt(now());
                a.update();
                AuditTrail.TENANT.write(tx, AuditActor.named(SCHEDULER), "alarm.snooze_expired", "alarm:" + a.getId(), old, snapshot(a));
            }
            return due.size();
        });
    }

    private interface Mutation {
        /** Applies the change to the locked row; false when there is nothing to change. */
        boolean apply(AlarmRecord alarm);
    }

    private AlarmResult change(long id, Condition visible, AuditActor actor, String verb, Mutation mutation) {
        return db.run(tx -> {
            AlarmRecord a = tx.selectFrom(ALARM).where(ALARM.ID.eq(id).and(visible)).forUpdate().fetchOne();
            if (a == null) {
                return new AlarmResult(id, 404, "no alarm " + id, null);
            }
            Map<String, Object> old = snapshot(a);
            if (mutation.apply(a)) {
                a.setUpdatedAt(now());
                a.update();
                AuditTrail.TENANT.write(tx, actor, verb, "alarm:" + id, old, snapshot(a));
            }
            return new AlarmResult(id, 200, null, fetch(tx, id, DSL.trueCondition()).orElseThrow());
        });
    }

    private static void clearSnooze(AlarmRecord a) {
        a.setSnoozedUntil(null);
        a.setSnoozedAt(null);
        a.setSnoozedBy(null);
        a.setSnoozeReason(null);
    }

    private static Map<String, Object> snapshot(AlarmRecord a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("state", a.getState().getLiteral());
        m.put("acked", a.getAcked());
        m.put("acked_by", a.getAckedBy());
        m.put("ack_reason", a.getAckReason());
        m.put("snoozed_until", a.getSnoozedUntil() == null ? null : a.getSnoozedUntil().toString());
        m.put("snoozed_by", a.getSnoozedBy());
        m.put("snooze_reason", a.getSnoozeReason());
        return m;
    }

    static AlarmInfo info(Record r) {
        OffsetDateTime until = r.get(ALARM.SNOOZED_UNTIL);
        return new AlarmInfo(r.get(ALARM.ID), r.get(ALARM.EVENT_RULE_ID), r.get(ALARM.EVENT_RULE_VERSION),
                r.get(EVENT_RULE.NAME), r.get(ALARM.OWNER), r.get(ALARM.STATE).getLiteral(),
                r.get(ALARM.SEVERITY).getLiteral(), r.get(ALARM.MESSAGE), r.get(ALARM.RAISED_AT), r.get(ALARM.CLEARED_AT),
                r.get(ALARM.RAISE_EVENT_ID), r.get(ALARM.LAST_EVENT_ID), r.get(ALARM.ACKED), r.get(ALARM.ACKED_AT),
                r.get(ALARM.ACKED_BY), r.get(ALARM.ACK_REASON), until != null && until.isAfter(now()), until,
                r.get(ALARM.SNOOZED_AT), r.get(ALARM.SNOOZED_BY), r.get(ALARM.SNOOZE_REASON), r.get(ALARM.UPDATED_AT));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }
}
