package io.omniglass.core.lifecycle;

import io.omniglass.api.RetentionInfo;
import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.schema.tenant.tables.records.RetentionPolicyRecord;
import org.jooq.DSLContext;
import org.jooq.JSONB;
import org.jooq.types.YearToSecond;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static io.omniglass.schema.control.Tables.SETTING;
import static io.omniglass.schema.tenant.Tables.RETENTION_POLICY;

/**
 * Where retention is kept: the global defaults in the control setting {@code retention.default}
 * (per table {@code {"hot", "keep", "tier"}}, or just a keep as a string), the tenant's levels in
 * its {@code retention_policy} table. Writes go through a gateway session and are audited.
 */
public final class RetentionStore {

    private static final Logger log = LoggerFactory.getLogger(RetentionStore.class);
    static final String DEFAULTS_KEY = "retention.default";

    private RetentionStore() {
    }

    /** The cascade of a tenant: the control database's defaults plus the tenant database's levels. */
    public static RetentionCascade load(DSLContext control, DSLContext tenant) {
        return new RetentionCascade(defaults(control), levels(tenant));
    }

    /** The global defaults (control setting {@value #DEFAULTS_KEY}), per table. */
    public static Map<String, RetentionLevel> defaults(DSLContext control) {
        Map<String, RetentionLevel> out = new HashMap<>();
        JSONB value = control.select(SETTING.VALUE).from(SETTING).where(SETTING.KEY.eq(DEFAULTS_KEY)).fetchOne(SETTING.VALUE);
        if (value == null) {
            return out;
        }
        try {
            JsonNode tree = OmniglassClient.JSON.readTree(value.data());
            for (Iterator<Map.Entry<String, JsonNode>> it = tree.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isTextual()) {
                    out.put(e.getKey(), new RetentionLevel(e.getKey(), null, null, null, RetentionDuration.parse(v.textValue()), null));
                } else {
                    out.put(e.getKey(), new RetentionLevel(e.getKey(), null, null,
                            v.hasNonNull("hot") ? RetentionDuration.parse(v.get("hot").asText()) : null,
                            v.hasNonNull("keep") ? RetentionDuration.parse(v.get("keep").asText()) : null,
                            v.hasNonNull("tier") ? Tier.parse(v.get("tier").asText()) : null));
                }
            }
        } catch (Exception e) {
            log.warn("the control setting {} is not readable ({}); using the built-in fallback", DEFAULTS_KEY, e.getMessage());
        }
        return out;
    }

    /** The tenant's own levels (its {@code retention_policy} rows). */
    public static List<RetentionLevel> levels(DSLContext tenant) {
        return tenant.selectFrom(RETENTION_POLICY).orderBy(RETENTION_POLICY.ID).fetch(RetentionStore::level);
    }

    private static RetentionLevel level(RetentionPolicyRecord r) {
        return new RetentionLevel(r.getTableName(), r.getDatapointType(), r.getOwner(), duration(r.getHot()),
                duration(r.getKeep()), r.getTier() == null ? null : Tier.valueOf(r.getTier()));
    }

    /**
     * Sets one level (upsert; a null value leaves that value to the level below, and a level with
     * no value left is removed), audited as {@code retention.set} in the same transaction.
     */
    public static RetentionLevel set(GatewaySession s, RetentionLevel level) {
        validate(level);
        return s.transaction(tx -> {
            upsert(tx, AuditActor.of(s.principal()), level);
            return level;
        });
    }

    static void validate(RetentionLevel level) {
        RetentionCascade.requireTable(level.table());
        if (level.type() != null && level.owner() != null) {
            throw new IllegalArgumentException("a level is a class (type) or an owner, not both");
        }
        if ((level.type() != null || level.owner() != null) && !RetentionCascade.DATAPOINT_TABLES.contains(level.table())) {
            throw new IllegalArgumentException("class and owner overrides apply to the datapoint tables only");
        }
        if (level.hot() != null && level.keep() != null && level.hot().compareTo(level.keep()) > 0) {
            throw new IllegalArgumentException("hot (" + RetentionDuration.format(level.hot()) + ") cannot be longer than keep ("
                    + RetentionDuration.format(level.keep()) + ")");
        }
        for (Duration d : new Duration[] {level.hot(), level.keep()}) {
            if (d != null && d.compareTo(Duration.ofDays(1)) < 0) {
                throw new IllegalArgumentException("retention periods are at least 1 day (partitions are days)");
            }
        }
        if (level.tier() == Tier.parquet && !RetentionCascade.DATAPOINT_TABLES.contains(level.table())) {
            throw new IllegalArgumentException("only the datapoint tables have a cold tier; " + level.table() + " takes tier none");
        }
    }

    /**
     * The write itself, in the caller's transaction (the API's session, a plant import): changes
     * the level if it differs and writes its audit row; returns whether anything changed.
     */
    public static boolean upsert(DSLContext tx, AuditActor actor, RetentionLevel level) {
        validate(level);
        RetentionPolicyRecord old = tx.selectFrom(RETENTION_POLICY)
                .where(RETENTION_POLICY.TABLE_NAME.eq(level.table()))
                .and(level.type() == null ? RETENTION_POLICY.DATAPOINT_TYPE.isNull() : RETENTION_POLICY.DATAPOINT_TYPE.eq(level.type()))
                .and(level.owner() == null ? RETENTION_POLICY.OWNER.isNull() : RETENTION_POLICY.OWNER.eq(level.owner()))
                .forUpdate().fetchOne();
        boolean empty = level.hot() == null && level.keep() == null && level.tier() == null;
        if (old != null && level(old).equals(level)) {
            return false;
        }
        if (old != null) {
            if (empty) {
                tx.deleteFrom(RETENTION_POLICY).where(RETENTION_POLICY.ID.eq(old.getId())).execute();
            } else {
                tx.update(RETENTION_POLICY)
                        .set(RETENTION_POLICY.HOT, interval(level.hot()))
                        .set(RETENTION_POLICY.KEEP, interval(level.keep()))
                        .set(RETENTION_POLICY.TIER, level.tier() == null ? null : level.tier().name())
                        .set(RETENTION_POLICY.UPDATED_AT, java.time.OffsetDateTime.now())
                        .set(RETENTION_POLICY.UPDATED_BY, actor.name())
                        .where(RETENTION_POLICY.ID.eq(old.getId())).execute();
            }
        } else if (empty) {
            return false;
        } else {
            tx.insertInto(RETENTION_POLICY)
                    .set(RETENTION_POLICY.TABLE_NAME, level.table())
                    .set(RETENTION_POLICY.DATAPOINT_TYPE, level.type())
                    .set(RETENTION_POLICY.OWNER, level.owner())
                    .set(RETENTION_POLICY.HOT, interval(level.hot()))
                    .set(RETENTION_POLICY.KEEP, interval(level.keep()))
                    .set(RETENTION_POLICY.TIER, level.tier() == null ? null : level.tier().name())
                    .set(RETENTION_POLICY.UPDATED_BY, actor.name())
                    .execute();
        }
        AuditTrail.TENANT.write(tx, actor, "retention.set", "retention:" + level.table()
                        + (level.type() != null ? "/type:" + level.type() : "")
                        + (level.owner() != null ? "/owner:" + level.owner() : ""),
                old == null ? null : describe(level(old)), empty ? null : describe(level));
        return true;
    }

    /** A level as the API and the audit log show it. */
    public static RetentionInfo.Level describe(RetentionLevel l) {
        return new RetentionInfo.Level(l.table(), l.type(), l.owner(), RetentionDuration.format(l.hot()),
                RetentionDuration.format(l.keep()), l.tier() == null ? null : l.tier().name());
    }

    private static Duration duration(YearToSecond y) {
        return y == null ? null : y.toDuration();
    }

    private static YearToSecond interval(Duration d) {
        return d == null ? null : new YearToSecond(new org.jooq.types.YearToMonth(), org.jooq.types.DayToSecond.valueOf(d));
    }
}
