package io.omniglass.core.lifecycle;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import static io.omniglass.schema.control.Tables.API_TOKEN;
import static io.omniglass.schema.control.Tables.AUDIT_LOG;
import static io.omniglass.schema.control.Tables.PRINCIPAL;
import static io.omniglass.schema.control.Tables.SETTING;

/**
 * Personal data expires: a principal none of whose tokens is live or ended within the control
 * setting {@code personal_data.retention}'s {@code principal} period (default 365 days) has its
 * name replaced by {@code og:erased-<id>}. The id stays, so audit rows still attribute its actions
 * (by {@code actor_id}); the control audit row of the pseudonymisation names the id, never the old
 * name. Principals are control-wide; every tenant's upkeep runs this one idempotent statement
 * (concurrent runs on two cores serialise on the rows and the second changes nothing).
 */
final class PersonalDataExpiry {

    private static final Logger log = LoggerFactory.getLogger(PersonalDataExpiry.class);
    static final String SETTING_KEY = "personal_data.retention";
    static final Duration DEFAULT_PERIOD = Duration.ofDays(365);
    static final String PSEUDONYM_PREFIX = "og:erased-";

    private PersonalDataExpiry() {
    }

    /** Pseudonymises every principal past its period, each audited; returns how many. */
    static int pseudonymise(DSLContext control, Instant now) {
        Duration period = period(control);
        OffsetDateTime cutoff = now.minus(period).atOffset(ZoneOffset.UTC);
        return control.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            // a token still counts while it is live or ended after the cutoff (an end is the earlier of revoked and expired)
            var counting = DSL.selectOne().from(API_TOKEN).where(API_TOKEN.PRINCIPAL_ID.eq(PRINCIPAL.ID))
                    .and(API_TOKEN.REVOKED_AT.isNull().or(API_TOKEN.REVOKED_AT.gt(cutoff)))
                    .and(API_TOKEN.EXPIRES_AT.isNull().or(API_TOKEN.EXPIRES_AT.gt(cutoff)));
            var done = tx.update(PRINCIPAL)
                    .set(PRINCIPAL.NAME, DSL.concat(DSL.inline(PSEUDONYM_PREFIX), PRINCIPAL.ID.cast(String.class)))
                    .set(PRINCIPAL.PSEUDONYMISED_AT, now.atOffset(ZoneOffset.UTC))
                    .where(PRINCIPAL.PSEUDONYMISED_AT.isNull())
                    .and(PRINCIPAL.CREATED_AT.lt(cutoff))
                    .andNotExists(counting)
                    .returning(PRINCIPAL.ID, PRINCIPAL.NAME).fetch();
            List<Long> ids = done.map(r -> r.getId());
            if (!ids.isEmpty()) {
                eraseControlAuditNames(tx, ids);
            }
            for (var p : done) {
                AuditTrail.CONTROL.write(tx, AuditActor.named("system:lifecycle"), "principal.pseudonymise",
                        "principal:" + p.getId(), null,
                        java.util.Map.of("name", p.getName(), "after_last_token", period.toDays() + " days"));
            }
            return done.size();
        });
    }

    /**
     * The control audit trail's names of just-pseudonymised principals: the actor label of their
     * own writes and the principal named by the {@code token.create} rows that issued their tokens
     * (control migration V91 admits exactly these updates). Same transaction as the renaming.
     */
    private static void eraseControlAuditNames(DSLContext tx, List<Long> ids) {
        tx.update(AUDIT_LOG).set(AUDIT_LOG.ACTOR, pseudonym(AUDIT_LOG.ACTOR_ID))
                .where(AUDIT_LOG.ACTOR_ID.in(ids)).and(AUDIT_LOG.ACTOR.ne(pseudonym(AUDIT_LOG.ACTOR_ID))).execute();
        Field<String> issuedTo = DSL.field("({0} ->> 'principal_id')", String.class, AUDIT_LOG.NEW);
        tx.update(AUDIT_LOG)
                .set(AUDIT_LOG.NEW, DSL.field("{0} || jsonb_build_object('principal', {1})", JSONB.class, AUDIT_LOG.NEW,
                        DSL.concat(DSL.inline(PSEUDONYM_PREFIX), issuedTo)))
                .where(AUDIT_LOG.VERB.eq("token.create"))
                .and(DSL.field("({0} ->> 'principal')", String.class, AUDIT_LOG.NEW).isNotNull())
                .and(issuedTo.in(ids.stream().map(String::valueOf).toList()))
                .execute();
    }

    /**
     * The tenant audit trail's actor labels of every pseudonymised principal (tenant migration V90
     * admits exactly this update); one index probe per principal (audit_log_actor_id). Returns how
     * many rows were relabelled.
     */
    static int eraseTenantAuditNames(DSLContext control, DSLContext tenant) {
        List<Long> ids = control.select(PRINCIPAL.ID).from(PRINCIPAL).where(PRINCIPAL.PSEUDONYMISED_AT.isNotNull()).fetch(PRINCIPAL.ID);
        if (ids.isEmpty()) {
            return 0;
        }
        var a = io.omniglass.schema.tenant.Tables.AUDIT_LOG;
        return tenant.update(a).set(a.ACTOR, pseudonym(a.ACTOR_ID))
                .where(a.ACTOR_ID.in(ids)).and(a.ACTOR.ne(pseudonym(a.ACTOR_ID))).execute();
    }

    /**
     * Names copied as free text into this tenant's rows by principals now pseudonymised: the
     * tenant's audit trail still pairs each such principal's id with the name it wrote under (until
     * {@link #eraseTenantAuditNames} relabels it, after this), so that name is replaced by the
     * pseudonym in every name column ({@code alarm.acked_by}, {@code variable.updated_by}, ...) and
     * inside every audit payload, in one transaction per name (tenant migration V121 admits exactly
     * that audit rewrite). A name that a live principal holds again is left alone (the rows cannot
     * tell the two apart). Returns how many rows changed.
     */
    static int eraseCopiedNames(DSLContext control, DSLContext tenant) {
        List<Long> ids = control.select(PRINCIPAL.ID).from(PRINCIPAL).where(PRINCIPAL.PSEUDONYMISED_AT.isNotNull()).fetch(PRINCIPAL.ID);
        if (ids.isEmpty()) {
            return 0;
        }
        var a = io.omniglass.schema.tenant.Tables.AUDIT_LOG;
        var named = tenant.selectDistinct(a.ACTOR_ID, a.ACTOR).from(a)
                .where(a.ACTOR_ID.in(ids)).and(a.ACTOR.ne(pseudonym(a.ACTOR_ID))).fetch();
        int changed = 0;
        for (var r : named) {
            String name = r.value2();
            String to = PSEUDONYM_PREFIX + r.value1();
            if (name.startsWith("og:") || name.startsWith("system:")) {
                continue;
            }
            if (control.fetchExists(PRINCIPAL, PRINCIPAL.NAME.eq(name).and(PRINCIPAL.PSEUDONYMISED_AT.isNull()))) {
                log.info("principal {}: its old name is held by a live principal again; rows naming it are left as they are", r.value1());
                continue;
            }
            changed += tenant.transactionResult(cfg -> eraseName(cfg.dsl(), name, to));
        }
        return changed;
    }

    private static int eraseName(DSLContext tx, String name, String to) {
        int n = 0;
        for (var column : COPIED_NAMES) {
            n += tx.update(column.getTable()).set(column, to).where(column.eq(name)).execute();
        }
        tx.execute("SELECT set_config('og.erase_name', {0}, true), set_config('og.erase_pseudonym', {1}, true)",
                DSL.val(name), DSL.val(to));
        var a = io.omniglass.schema.tenant.Tables.AUDIT_LOG;
        Field<String> quoted = DSL.field("to_jsonb({0}::text)::text", String.class, DSL.val(name));
        n += tx.update(a)
                .set(a.OLD, DSL.field("og_erase_name({0}, {1}, {2})", JSONB.class, a.OLD, DSL.val(name), DSL.val(to)))
                .set(a.NEW, DSL.field("og_erase_name({0}, {1}, {2})", JSONB.class, a.NEW, DSL.val(name), DSL.val(to)))
                .where(DSL.condition("strpos(coalesce({0}::text, '') || coalesce({1}::text, ''), {2}) > 0", a.OLD, a.NEW, quoted))
                .execute();
        // rows written before audit rows carried an actor id (V60) are found by the label alone
        n += tx.update(a).set(a.ACTOR, to).where(a.ACTOR.eq(name)).and(a.ACTOR_ID.isNull()).execute();
        return n;
    }

    /** The tenant columns that hold an acting principal's name as free text, without its id. */
    private static final List<org.jooq.TableField<?, String>> COPIED_NAMES = List.of(
            io.omniglass.schema.tenant.Tables.ALARM.ACKED_BY,
            io.omniglass.schema.tenant.Tables.ALARM.SNOOZED_BY,
            io.omniglass.schema.tenant.Tables.VARIABLE.UPDATED_BY,
            io.omniglass.schema.tenant.Tables.CONFIG.UPDATED_BY,
            io.omniglass.schema.tenant.Tables.RETENTION_POLICY.UPDATED_BY,
            io.omniglass.schema.tenant.Tables.EVENT_RULE_VERSION.CREATED_BY,
            io.omniglass.schema.tenant.Tables.CALC_RULE_VERSION.CREATED_BY,
            io.omniglass.schema.tenant.Tables.ACTION_RULE_VERSION.CREATED_BY);

    private static Field<String> pseudonym(Field<Long> id) {
        return DSL.concat(DSL.inline(PSEUDONYM_PREFIX), id.cast(String.class));
    }

    static Duration period(DSLContext control) {
        JSONB value = control.select(SETTING.VALUE).from(SETTING).where(SETTING.KEY.eq(SETTING_KEY)).fetchOne(SETTING.VALUE);
        if (value == null) {
            return DEFAULT_PERIOD;
        }
        try {
            JsonNode p = OmniglassClient.JSON.readTree(value.data()).get("principal");
            return p == null || p.isNull() ? DEFAULT_PERIOD : RetentionDuration.parse(p.asText());
        } catch (Exception e) {
            log.warn("the control setting {} is not readable ({}); using {} days", SETTING_KEY, e.getMessage(), DEFAULT_PERIOD.toDays());
            return DEFAULT_PERIOD;
        }
    }
}
