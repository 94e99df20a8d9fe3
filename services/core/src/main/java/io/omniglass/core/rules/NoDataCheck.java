package io.omniglass.core.rules;

import io.omniglass.core.alarms.AlarmTransitions;
import io.omniglass.schema.tenant.enums.Provenance;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.Result;
import org.jooq.impl.DSL;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

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

    static List<AlarmTransitions.Transition> run(DSLContext db, List<EventRuleDef> rules) {
        List<AlarmTransitions.Transition> raised = new ArrayList<>();
        for (EventRuleDef rule : rules) {
            if (!(rule.condition() instanceof Condition.NoData nd)) {
                continue;
            }
            OffsetDateTime silentSince = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(nd.seconds());
            var measured = SERIES_LATEST.join(SERIES).on(SERIES.ID.eq(SERIES_LATEST.SERIES_ID))
                    .join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID));
            var matching = DATAPOINT_TYPE.NAME.eq(rule.key())
                    .and(SERIES.OWNER.like(rule.selector().likePattern(), '\\'))
                    .and(SERIES.PROVENANCE.in(Provenance.observed, Provenance.calculated));
            Result<Record2<String, OffsetDateTime>> silent = db
                    .select(SERIES.OWNER, DSL.max(SERIES_LATEST.TS))
                    .from(measured)
                    .where(matching)
                    .groupBy(SERIES.OWNER)
                    .having(DSL.max(SERIES_LATEST.TS).lt(silentSince))
                    .fetch();
            for (Record2<String, OffsetDateTime> r : silent) {
                if (!rule.selector().matches(r.value1())) {
                    continue;
                }
                // the last datapoint heard from the owner is what the lineage points at
                Long seriesId = db.select(SERIES.ID).from(measured).where(matching.and(SERIES.OWNER.eq(r.value1())))
                        .orderBy(SERIES_LATEST.TS.desc().nullsLast()).limit(1).fetchOne(SERIES.ID);
                db.transactionResult(cfg -> AlarmTransitions.raiseNoData(cfg.dsl(), rule, r.value1(),
                        seriesId, r.value2(), silentSince)).ifPresent(raised::add);
            }
        }
        return raised;
    }
}
