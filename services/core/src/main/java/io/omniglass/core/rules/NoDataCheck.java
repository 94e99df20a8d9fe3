package io.omniglass.core.rules;

import io.omniglass.core.alarms.AlarmTransitions;
import io.omniglass.core.gateway.HotSql;
import io.omniglass.schema.tenant.enums.AlarmState;
import io.omniglass.schema.tenant.enums.Provenance;
import org.jooq.DSLContext;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.SERIES;
import static io.omniglass.schema.tenant.Tables.SERIES_LATEST;

/**
 * The scheduled half of no-data rules: owners whose newest stored datapoint for the key is older
 * than the rule's silence get the alarm raised (origin scheduled); the next datapoint clears it.
 * Safe to run on every instance at once: the raise is decided under the (rule, owner) lock.
 */
final class NoDataCheck {

    private NoDataCheck() {
    }

    /** A silent owner of a rule: its newest datapoint's series (what the lineage points at) and time. */
    record Silent(String owner, long seriesId, OffsetDateTime lastTs) {
    }

    static List<AlarmTransitions.Transition> run(DSLContext db, List<EventRuleDef> rules) {
        List<AlarmTransitions.Transition> raised = new ArrayList<>();
        for (EventRuleDef rule : rules) {
            if (!(rule.condition() instanceof Condition.NoData nd)) {
                continue;
            }
            OffsetDateTime silentSince = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(nd.seconds());
            for (Silent s : silent(db, rule, silentSince)) {
                if (!rule.selector().matches(s.owner())) {
                    continue;
                }
                db.transactionResult(cfg -> AlarmTransitions.raiseNoData(cfg.dsl(), rule, s.owner(),
                        s.seriesId(), s.lastTs(), silentSince)).ifPresent(raised::add);
            }
        }
        return raised;
    }

    /**
     * In one statement: the owners the rule selects whose newest datapoint for its key is older than
     * {@code silentSince}, each with that datapoint's series, leaving out the owners whose alarm is
     * active already (a silence goes on for many checks: each took a series lookup and a
     * transaction of four statements to find the alarm raised). The raise itself still decides
     * under the state row's lock.
     */
    static List<Silent> silent(DSLContext db, EventRuleDef rule, OffsetDateTime silentSince) {
        return HotSql.query(db, SILENT, ps -> {
            ps.setString(1, rule.key());
            ps.setString(2, rule.selector().likePattern());
            HotSql.setTs(ps, 3, silentSince);
            ps.setLong(4, rule.id());
        }, rs -> {
            List<Silent> found = new ArrayList<>();
            while (rs.next()) {
                found.add(new Silent(rs.getString(1), rs.getLong(2), rs.getObject(3, OffsetDateTime.class)));
            }
            return found;
        });
    }

    private static final String SILENT = "SELECT n.owner, n.series_id, n.ts FROM (SELECT DISTINCT ON (s." + HotSql.q(SERIES.OWNER)
            + ") s." + HotSql.q(SERIES.OWNER) + " AS owner, s." + HotSql.q(SERIES.ID) + " AS series_id, l." + HotSql.q(SERIES_LATEST.TS)
            + " AS ts FROM " + HotSql.q(SERIES_LATEST) + " l JOIN " + HotSql.q(SERIES) + " s ON s." + HotSql.q(SERIES.ID) + " = l."
            + HotSql.q(SERIES_LATEST.SERIES_ID) + " JOIN " + HotSql.q(DATAPOINT_TYPE) + " t ON t." + HotSql.q(DATAPOINT_TYPE.ID) + " = s."
            + HotSql.q(SERIES.DATAPOINT_TYPE_ID) + " WHERE t." + HotSql.q(DATAPOINT_TYPE.NAME) + " = ? AND s." + HotSql.q(SERIES.OWNER)
            + " LIKE ? ESCAPE '\\' AND s." + HotSql.q(SERIES.PROVENANCE) + " IN ('" + Provenance.observed.getLiteral() + "', '"
            + Provenance.calculated.getLiteral() + "') ORDER BY s." + HotSql.q(SERIES.OWNER) + ", l." + HotSql.q(SERIES_LATEST.TS)
            + " DESC NULLS LAST) n WHERE n.ts < ? AND NOT EXISTS (SELECT 1 FROM " + HotSql.q(ALARM) + " a WHERE a."
            + HotSql.q(ALARM.EVENT_RULE_ID) + " = ? AND a." + HotSql.q(ALARM.OWNER) + " = n.owner AND a." + HotSql.q(ALARM.STATE)
            + " = '" + AlarmState.active.getLiteral() + "')";
}
