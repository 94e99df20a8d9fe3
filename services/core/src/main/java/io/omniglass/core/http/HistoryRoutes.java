package io.omniglass.core.http;

import io.javalin.http.Context;
import io.omniglass.api.DatapointValue;
import io.omniglass.api.SeriesHistory;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Keyset;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.lifecycle.ColdReads;
import io.omniglass.core.lifecycle.ColdTier;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.LOG_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.METRIC_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.SERIES;
import static io.omniglass.schema.tenant.Tables.STATE_DATAPOINT;

/**
 * {@code GET /api/v1/tenants/{t}/series/{id}/datapoints?from=&to=&limit=}: one series' stored
 * datapoints in [from, to), newest first (default: the last 24 hours). The table is chosen by the
 * series' kind; a series outside the token's scope is a 404 like a missing one. Days tiered to
 * the cold tier are read from their Parquet files and merged.
 */
public final class HistoryRoutes {

    private HistoryRoutes() {
    }

    static void history(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_HISTORY);
        long id = HttpParams.pathLong(ctx, "id");
        OffsetDateTime to = HttpParams.time(ctx, "to", OffsetDateTime.now().plusSeconds(1));
        OffsetDateTime from = HttpParams.time(ctx, "from", to.minus(Duration.ofHours(24)));
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("'from' must be before 'to'");
        }
        int limit = Keyset.limit(ctx.queryParam("limit"), 1000, 100_000);
        SeriesHistory h = s.readMayLag(tx -> {
            var series = tx.select(SERIES.ID, SERIES.OWNER, DATAPOINT_TYPE.NAME, SERIES.KIND, SERIES.INSTANCE,
                            SERIES.PROVENANCE, SERIES.SOURCE)
                    .from(SERIES).join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID))
                    .where(SERIES.ID.eq(id)).and(s.visible(OwnerColumns.SERIES_OWNER))
                    .fetchOptional()
                    .orElseThrow(() -> ApiException.notFound("no series " + id));
            List<DatapointValue> points = switch (series.value4()) {
                case metric -> tx.select(METRIC_DATAPOINT.TS, METRIC_DATAPOINT.VALUE, METRIC_DATAPOINT.PROVENANCE)
                        .from(METRIC_DATAPOINT)
                        .where(METRIC_DATAPOINT.SERIES_ID.eq(id)).and(METRIC_DATAPOINT.TS.ge(from)).and(METRIC_DATAPOINT.TS.lt(to))
                        .orderBy(METRIC_DATAPOINT.TS.desc()).limit(limit)
                        .fetch(r -> new DatapointValue(r.value1(), r.value2(), null, null, r.value3().getLiteral()));
                case state -> tx.select(STATE_DATAPOINT.TS, STATE_DATAPOINT.VALUE, STATE_DATAPOINT.PROVENANCE)
                        .from(STATE_DATAPOINT)
                        .where(STATE_DATAPOINT.SERIES_ID.eq(id)).and(STATE_DATAPOINT.TS.ge(from)).and(STATE_DATAPOINT.TS.lt(to))
                        .orderBy(STATE_DATAPOINT.TS.desc()).limit(limit)
                        .fetch(r -> new DatapointValue(r.value1(), null, r.value2(), null, r.value3().getLiteral()));
                case log -> tx.select(LOG_DATAPOINT.TS, LOG_DATAPOINT.MESSAGE, LOG_DATAPOINT.SEVERITY, LOG_DATAPOINT.PROVENANCE)
                        .from(LOG_DATAPOINT)
                        .where(LOG_DATAPOINT.SERIES_ID.eq(id)).and(LOG_DATAPOINT.TS.ge(from)).and(LOG_DATAPOINT.TS.lt(to))
                        .orderBy(LOG_DATAPOINT.TS.desc()).limit(limit)
                        .fetch(r -> new DatapointValue(r.value1(), null, r.value2(), r.value3().getLiteral(), r.value4().getLiteral()));
            };
            // days already tiered to Parquet answer from the cold tier, merged (docs/lifecycle.md)
            points = ColdReads.history(ColdTier.forCore(gateway.core()),
                    tx, series.value4(), id, from, to, limit, points);
            return new SeriesHistory(series.value1(), series.value2(), series.value3(), series.value4().getLiteral(),
                    series.value5(), series.value6().getLiteral(), series.value7(), points);
        });
        ctx.json(h);
    }
}
