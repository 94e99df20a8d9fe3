package io.omniglass.core.rules;

import io.omniglass.core.alarms.AlarmTransitions;
import io.omniglass.schema.tenant.enums.Provenance;
import org.jooq.DSLContext;
import org.jooq.Record;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.SERIES;
import static io.omniglass.schema.tenant.Tables.SERIES_LATEST;

/**
 * A rule that is new (or at a new version) judges the present at once: the latest stored datapoint
 * of every series it matches is evaluated as if it had just arrived. Without this a "state =
 * fault" rule written while a pump is in fault would wait for the pump's next state report, and
 * datapoints that crossed the lane while the rule was being loaded would go unjudged. The
 * evaluation takes the same (rule, owner) locks as the lane's, and a sample not newer than the
 * last one evaluated changes nothing, so racing the live evaluator is harmless.
 */
final class CatchUp {

    private CatchUp() {
    }

    static List<AlarmTransitions.Transition> run(DSLContext db, List<EventRuleDef> rules) {
        List<AlarmTransitions.Transition> done = new ArrayList<>();
        for (EventRuleDef rule : rules) {
            if (rule.condition() instanceof Condition.NoData) {
                continue; // silence is judged by the scheduled check
            }
            Map<String, List<Reading>> byOwner = new LinkedHashMap<>();
            for (Record r : db.select(SERIES.OWNER, SERIES.INSTANCE, SERIES.PROVENANCE, SERIES.SOURCE, DATAPOINT_TYPE.KIND,
                            SERIES_LATEST.TS, SERIES_LATEST.VALUE_NUM, SERIES_LATEST.VALUE_TEXT)
                    .from(SERIES_LATEST)
                    .join(SERIES).on(SERIES.ID.eq(SERIES_LATEST.SERIES_ID))
                    .join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID))
                    .where(DATAPOINT_TYPE.NAME.eq(rule.key())
                            .and(SERIES_LATEST.TS.isNotNull()) // a series with no datapoint yet
                            .and(SERIES.OWNER.like(rule.selector().likePattern(), '\\'))
                            .and(SERIES.PROVENANCE.in(Provenance.observed, Provenance.calculated)))
                    .fetch()) {
                String owner = r.get(SERIES.OWNER);
                if (!rule.selector().matches(owner)) {
                    continue;
                }
                byOwner.computeIfAbsent(owner, o -> new ArrayList<>()).add(new Reading(
                        r.get(DATAPOINT_TYPE.KIND).getLiteral(), owner, rule.key(), r.get(SERIES.INSTANCE),
                        r.get(SERIES_LATEST.TS).toInstant(), r.get(SERIES_LATEST.VALUE_NUM), r.get(SERIES_LATEST.VALUE_TEXT),
                        r.get(SERIES.PROVENANCE).getLiteral(), r.get(SERIES.SOURCE), null, null));
            }
            List<AlarmTransitions.Work> work = new ArrayList<>();
            byOwner.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> work.add(new AlarmTransitions.Work(rule, e.getKey(), e.getValue())));
            for (int i = 0; i < work.size(); i += 500) {
                List<AlarmTransitions.Work> chunk = work.subList(i, Math.min(work.size(), i + 500));
                done.addAll(db.transactionResult(cfg -> AlarmTransitions.evaluateAll(cfg.dsl(), chunk)));
            }
        }
        return done;
    }
}
