package io.omniglass.core.rules;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import io.omniglass.core.gateway.Jsonb;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.EventRuleInfo;
import io.omniglass.api.EventRuleRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.schema.tenant.enums.AlarmState;
import io.omniglass.schema.tenant.enums.EventOrigin;
import io.omniglass.schema.tenant.enums.Severity;
import io.omniglass.schema.tenant.tables.records.AlarmRecord;
import io.omniglass.schema.tenant.tables.records.EventRuleRecord;
import org.jooq.DSLContext;
import org.jooq.Record;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE_VERSION;

/**
 * Event rules in the tenant database: versioned (an edit inserts a new version and moves
 * {@code current_version}; events and alarms keep pointing at the version that produced them),
 * soft-deleted, every write audited in its own transaction.
 */
public final class EventRuleStore {

    private EventRuleStore() {
    }

    /** Rules that are not deleted, at their current version, by id. */
    public static List<EventRuleInfo> list(DSLContext db) {
        return db.select().from(EVENT_RULE)
                .join(EVENT_RULE_VERSION).on(EVENT_RULE_VERSION.EVENT_RULE_ID.eq(EVENT_RULE.ID)
                        .and(EVENT_RULE_VERSION.VERSION.eq(EVENT_RULE.CURRENT_VERSION)))
                .where(EVENT_RULE.DELETED_AT.isNull())
                .orderBy(EVENT_RULE.ID)
                .fetch(EventRuleStore::info);
    }

    public static Optional<EventRuleInfo> get(DSLContext db, long id) {
        return db.select().from(EVENT_RULE)
                .join(EVENT_RULE_VERSION).on(EVENT_RULE_VERSION.EVENT_RULE_ID.eq(EVENT_RULE.ID)
                        .and(EVENT_RULE_VERSION.VERSION.eq(EVENT_RULE.CURRENT_VERSION)))
                .where(EVENT_RULE.ID.eq(id).and(EVENT_RULE.DELETED_AT.isNull()))
                .fetchOptional(EventRuleStore::info);
    }

    /** The enabled rules the engine evaluates. Rules whose stored condition no longer parses are skipped. */
    public static List<EventRuleDef> enabled(DSLContext db) {
        List<EventRuleDef> out = new ArrayList<>();
        for (EventRuleInfo i : list(db)) {
            if (i.enabled()) {
                try {
                    out.add(new EventRuleDef(i.id(), i.version(), i.name(), Selector.of(i.selector()), i.key(),
                            Condition.parse(i.condition()), Severity.lookupLiteral(i.severity()), i.message()));
                } catch (IllegalArgumentException ignored) {
                    // validated on write; nothing to evaluate if someone stored garbage by hand
                }
            }
        }
        return out;
    }

    /**
     * A rule as the engine would hold it, from a request checked exactly as a create checks it
     * (the same messages), without storing anything: the backtest's draft (id 0, version 0).
     */
    public static EventRuleDef draft(EventRuleRequest req) {
        Valid v = validate(req, null);
        return new EventRuleDef(0, 0, v.name, Selector.of(v.selector), v.key, v.condition, v.severity, v.message);
    }

    /** Creates a rule at version 1, in the caller's transaction. */
    public static EventRuleInfo create(DSLContext tx, EventRuleRequest req, AuditActor actor) {
        Valid v = validate(req, null);
        {
            if (tx.fetchExists(EVENT_RULE, EVENT_RULE.NAME.eq(v.name))) {
                throw new RuleConflictException("an event rule named '" + v.name + "' already exists");
            }
            long id = tx.insertInto(EVENT_RULE)
                    .set(EVENT_RULE.NAME, v.name)
                    .set(EVENT_RULE.ENABLED, v.enabled)
                    .set(EVENT_RULE.CURRENT_VERSION, 1)
                    .returning(EVENT_RULE.ID).fetchOne().getId();
            insertVersion(tx, id, 1, v, actor);
            EventRuleInfo created = get(tx, id).orElseThrow();
            AuditTrail.TENANT.write(tx, actor, "event_rule.create", "event_rule:" + id, null, created);
            return created;
        }
    }

    /** A new version (and the enabled flag), in the caller's transaction; empty when the rule does not exist. */
    public static Optional<EventRuleInfo> update(DSLContext tx, long id, EventRuleRequest req, AuditActor actor) {
        {
            EventRuleRecord rule = tx.selectFrom(EVENT_RULE)
                    .where(EVENT_RULE.ID.eq(id).and(EVENT_RULE.DELETED_AT.isNull())).forUpdate().fetchOne();
            if (rule == null) {
                return Optional.empty();
            }
            EventRuleInfo old = get(tx, id).orElseThrow();
            Valid v = validate(req, old);
            if (!v.name.equals(rule.getName()) && tx.fetchExists(EVENT_RULE, EVENT_RULE.NAME.eq(v.name))) {
                throw new RuleConflictException("an event rule named '" + v.name + "' already exists");
            }
            int next = rule.getCurrentVersion() + 1;
            if (v.sameDefinition(old)) {
                next = rule.getCurrentVersion();
            } else {
                insertVersion(tx, id, next, v, actor);
            }
            tx.update(EVENT_RULE)
                    .set(EVENT_RULE.NAME, v.name)
                    .set(EVENT_RULE.ENABLED, v.enabled)
                    .set(EVENT_RULE.CURRENT_VERSION, next)
                    .where(EVENT_RULE.ID.eq(id)).execute();
            EventRuleInfo now = get(tx, id).orElseThrow();
            AuditTrail.TENANT.write(tx, actor, "event_rule.update", "event_rule:" + id, old, now);
            if (old.enabled() && !now.enabled()) {
                clearActiveAlarms(tx, id, actor, "rule disabled");
            }
            return Optional.of(now);
        }
    }

    /** Soft delete, in the caller's transaction: the rule stops evaluating; its versions, events and alarms stay for lineage. */
    public static boolean delete(DSLContext tx, long id, AuditActor actor) {
        {
            Optional<EventRuleInfo> old = get(tx, id);
            if (old.isEmpty()) {
                return false;
            }
            tx.update(EVENT_RULE)
                    .set(EVENT_RULE.DELETED_AT, org.jooq.impl.DSL.currentOffsetDateTime())
                    .set(EVENT_RULE.ENABLED, false)
                    .where(EVENT_RULE.ID.eq(id)).execute();
            AuditTrail.TENANT.write(tx, actor, "event_rule.delete", "event_rule:" + id, old.get(), null);
            clearActiveAlarms(tx, id, actor, "rule deleted");
            return true;
        }
    }

    /**
     * Create or bring up to date by name, inside the caller's transaction (plant import): no new
     * version when the definition is unchanged, so importing twice changes nothing.
     */
    public static EventRuleInfo upsertByName(DSLContext tx, EventRuleRequest req, AuditActor actor) {
        Valid v = validate(req, null);
        EventRuleRecord rule = tx.selectFrom(EVENT_RULE).where(EVENT_RULE.NAME.eq(v.name)).forUpdate().fetchOne();
        if (rule == null) {
            long id = tx.insertInto(EVENT_RULE)
                    .set(EVENT_RULE.NAME, v.name).set(EVENT_RULE.ENABLED, v.enabled).set(EVENT_RULE.CURRENT_VERSION, 1)
                    .returning(EVENT_RULE.ID).fetchOne().getId();
            insertVersion(tx, id, 1, v, actor);
            EventRuleInfo created = get(tx, id).orElseThrow();
            AuditTrail.TENANT.write(tx, actor, "event_rule.create", "event_rule:" + id, null, created);
            return created;
        }
        Optional<EventRuleInfo> old = get(tx, rule.getId());
        if (old.isPresent() && v.sameDefinition(old.get()) && old.get().enabled() == v.enabled) {
            return old.get();
        }
        int next = rule.getCurrentVersion() + 1;
        insertVersion(tx, rule.getId(), next, v, actor);
        tx.update(EVENT_RULE)
                .set(EVENT_RULE.ENABLED, v.enabled)
                .set(EVENT_RULE.CURRENT_VERSION, next)
                .setNull(EVENT_RULE.DELETED_AT)
                .where(EVENT_RULE.ID.eq(rule.getId())).execute();
        EventRuleInfo now = get(tx, rule.getId()).orElseThrow();
        AuditTrail.TENANT.write(tx, actor, "event_rule.update", "event_rule:" + rule.getId(), old.orElse(null), now);
        return now;
    }

    /**
     * A rule that stops evaluating would leave its alarms active forever: they are cleared by the
     * operator who stopped it, with an event saying so.
     */
    private static void clearActiveAlarms(DSLContext tx, long ruleId, AuditActor actor, String why) {
        for (AlarmRecord a : tx.selectFrom(ALARM).where(ALARM.EVENT_RULE_ID.eq(ruleId).and(ALARM.STATE.eq(AlarmState.active)))
                .forUpdate().fetch()) {
            long eventId = tx.insertInto(EVENT)
                    .set(EVENT.NAME, "alarm.cleared")
                    .set(EVENT.ORIGIN, EventOrigin.operator)
                    .set(EVENT.ACTOR, actor.name())
                    .set(Owner.parse(a.getOwner()).columns(EVENT))
                    .set(EVENT.EVENT_RULE_ID, a.getEventRuleId())
                    .set(EVENT.EVENT_RULE_VERSION, a.getEventRuleVersion())
                    .set(EVENT.TRIGGER_EVENT_ID, a.getRaiseEventId())
                    .set(EVENT.SEVERITY, a.getSeverity())
                    .set(EVENT.MESSAGE, why + ": " + a.getMessage())
                    .returning(EVENT.ID).fetchOne().getId();
            a.setState(AlarmState.cleared);
            a.setClearedAt(OffsetDateTime.now(ZoneOffset.UTC));
            a.setLastEventId(eventId);
            a.setUpdatedAt(OffsetDateTime.now(ZoneOffset.UTC));
            a.update();
        }
    }

    private static void insertVersion(DSLContext tx, long id, int version, Valid v, AuditActor actor) {
        tx.insertInto(EVENT_RULE_VERSION)
                .set(EVENT_RULE_VERSION.EVENT_RULE_ID, id)
                .set(EVENT_RULE_VERSION.VERSION, version)
                .set(EVENT_RULE_VERSION.SELECTOR, v.selector)
                .set(EVENT_RULE_VERSION.KEY, v.key)
                .set(EVENT_RULE_VERSION.CONDITION, Jsonb.of(v.condition.toJson()))
                .set(EVENT_RULE_VERSION.SEVERITY, v.severity)
                .set(EVENT_RULE_VERSION.MESSAGE, v.message)
                .set(EVENT_RULE_VERSION.CREATED_BY, actor.name())
                .execute();
    }

    private record Valid(String name, String selector, String key, Condition condition, Severity severity,
                         String message, boolean enabled) {
        boolean sameDefinition(EventRuleInfo i) {
            return selector.equals(i.selector()) && key.equals(i.key())
                    && condition.toJson().equals(i.condition()) && severity.getLiteral().equals(i.severity())
                    && message.equals(i.message());
        }
    }

    /** Checks a request; on PUT, fields left out keep the current version's value. */
    private static Valid validate(EventRuleRequest req, EventRuleInfo current) {
        if (req == null) {
            throw new IllegalArgumentException("body must be an event rule: {\"name\", \"selector\", \"key\", \"condition\", \"severity\", \"message\"}");
        }
        String name = pick(req.name(), current == null ? null : current.name());
        String selector = pick(req.selector(), current == null ? null : current.selector());
        String key = pick(req.key(), current == null ? null : current.key());
        JsonNode cond = req.condition() != null ? req.condition() : current == null ? null : current.condition();
        String sev = pick(req.severity(), current == null ? "warning" : current.severity());
        String message = pick(req.message(), current == null ? "" : current.message());
        boolean enabled = req.enabled() != null ? req.enabled() : current == null || current.enabled();
        if (name == null || name.isBlank() || name.length() > 128) {
            throw new IllegalArgumentException("name is required (at most 128 characters)");
        }
        if (name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("name must not hold control characters (NUL, newlines, ...)");
        }
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException("key is required (a datapoint type name)");
        }
        Selector.parse(selector);
        Severity severity = Severity.lookupLiteral(sev);
        if (severity == null) {
            throw new IllegalArgumentException("unknown severity '" + sev + "': use debug, info, notice, warning, error or critical");
        }
        return new Valid(name, selector, key, Condition.parse(cond), severity, Objects.requireNonNullElse(message, ""), enabled);
    }

    private static String pick(String given, String fallback) {
        return given != null ? given : fallback;
    }

    static EventRuleInfo info(Record r) {
        JsonNode cond;
        try {
            cond = OmniglassClient.JSON.readTree(r.get(EVENT_RULE_VERSION.CONDITION).data());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new EventRuleInfo(r.get(EVENT_RULE.ID), r.get(EVENT_RULE.NAME), r.get(EVENT_RULE.CURRENT_VERSION),
                r.get(EVENT_RULE.ENABLED), r.get(EVENT_RULE_VERSION.SELECTOR), r.get(EVENT_RULE_VERSION.KEY), cond,
                r.get(EVENT_RULE_VERSION.SEVERITY).getLiteral(), r.get(EVENT_RULE_VERSION.MESSAGE),
                r.get(EVENT_RULE_VERSION.CREATED_AT), r.get(EVENT_RULE_VERSION.CREATED_BY));
    }

    /** A write that collides with an existing rule (HTTP 409). */
    public static final class RuleConflictException extends RuntimeException {
        public RuleConflictException(String message) {
            super(message);
        }
    }
}
