package io.omniglass.core.lifecycle;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.omniglass.api.AggregateBucket;
import io.omniglass.api.FleetAggregates;
import io.omniglass.api.SeriesAggregates;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Filter;
import io.omniglass.core.gateway.FilterFields;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.core.http.HttpParams;
import io.omniglass.schema.tenant.enums.DatapointKind;
import org.jooq.Condition;
import org.jooq.Record4;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.SERIES;

/**
 * {@code GET /api/v1/tenants/{t}/series/{id}/aggregates?from=&to=&bucket=} and
 * {@code GET /api/v1/tenants/{t}/aggregates?filter=&from=&to=&bucket=}: metric series in
 * buckets across hot and cold. The series are resolved through the scoped session (a series
 * outside the token's scope is a 404, a filter selects only visible ones); only then are the
 * tiers read for exactly those ids. {@code bucket} is {@code 30s}, {@code 5m}, {@code 1h},
 * {@code 1d}, ... (default: about 500 buckets over the range).
 */
final class AggregateRoutes {

    static final int MAX_BUCKETS = 20_000;
    static final int MAX_SERIES = 1_000;
    private static final Pattern BUCKET = Pattern.compile("(\\d{1,6})(s|m|h|d|w)");
    private static final Duration[] LADDER = {Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15),
            Duration.ofHours(1), Duration.ofHours(6), Duration.ofDays(1), Duration.ofDays(7)};

    static final FilterFields SERIES_FIELDS = FilterFields.builder()
            .number("series_id", SERIES.ID)
            .text("owner", SERIES.OWNER)
            .enumeration("owner_kind", SERIES.OWNER_KIND)
            .text("key", DATAPOINT_TYPE.NAME)
            .text("instance", SERIES.INSTANCE)
            .enumeration("provenance", SERIES.PROVENANCE)
            .text("source", SERIES.SOURCE)
            .build();

    private AggregateRoutes() {
    }

    static void register(Javalin app, Gateway gateway) {
        app.get("/api/v1/tenants/{t}/series/{id}/aggregates", ctx -> one(ctx, gateway));
        app.get("/api/v1/tenants/{t}/aggregates", ctx -> fleet(ctx, gateway));
    }

    private record Range(OffsetDateTime from, OffsetDateTime to, Duration bucket) {
    }

    private static Range range(Context ctx) {
        OffsetDateTime to = HttpParams.time(ctx, "to", OffsetDateTime.now().plusSeconds(1));
        OffsetDateTime from = HttpParams.time(ctx, "from", to.minus(Duration.ofDays(1)));
        if (!from.isBefore(to)) {
            throw ApiException.badRequest("'from' must be before 'to'");
        }
        Duration span = Duration.between(from, to);
        String b = ctx.queryParam("bucket");
        Duration bucket;
        if (b == null || b.isBlank()) {
            bucket = LADDER[LADDER.length - 1];
            for (Duration d : LADDER) {
                if (span.dividedBy(d) <= 500) {
                    bucket = d;
                    break;
                }
            }
        } else {
            Matcher m = BUCKET.matcher(b.trim());
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw ApiException.badRequest("'bucket' must be like 30s, 5m, 1h, 1d or 1w");
            }
            long n = Long.parseLong(m.group(1));
            bucket = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
        }
        if (span.dividedBy(bucket) > MAX_BUCKETS) {
            throw ApiException.badRequest("that is more than " + MAX_BUCKETS + " buckets; choose a larger 'bucket' or a shorter range");
        }
        return new Range(from, to, bucket);
    }

    private static void one(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_HISTORY);
        long id = HttpParams.pathLong(ctx, "id");
        Range r = range(ctx);
        FleetAggregates f = read(gateway, s, SERIES.ID.eq(id), r);
        if (f.series().isEmpty()) {
            throw ApiException.notFound("no metric series " + id);
        }
        ctx.json(f.series().get(0));
    }

    private static void fleet(Context ctx, Gateway gateway) {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_HISTORY);
        Condition filter = Filter.parse(ctx.queryParam("filter"), SERIES_FIELDS);
        ctx.json(read(gateway, s, filter, range(ctx)));
    }

    private static FleetAggregates read(Gateway gateway, GatewaySession s, Condition which, Range r) {
        ColdTier cold = ColdTier.forCore(gateway.core());
        return s.readSnapshotMayLag(tx -> {
            List<Record4<Long, String, String, String>> series = tx
                    .select(SERIES.ID, SERIES.OWNER, DATAPOINT_TYPE.NAME, DATAPOINT_TYPE.UNIT)
                    .from(SERIES).join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID))
                    .where(which).and(SERIES.KIND.eq(DatapointKind.metric)).and(s.visible(OwnerColumns.SERIES_OWNER))
                    .orderBy(SERIES.ID).limit(MAX_SERIES + 1).fetch();
            if (series.size() > MAX_SERIES) {
                throw ApiException.badRequest("the filter selects more than " + MAX_SERIES + " metric series; narrow it");
            }
            List<Long> ids = series.stream().map(Record4::value1).toList();
            Map<Aggregates.Key, Aggregates.Partial> partials = new HashMap<>();
            Aggregates.hot(tx, ids, r.from(), r.to(), r.bucket(), partials);
            ColdReads.aggregates(cold, tx, ids, r.from(), r.to(), r.bucket().toNanos() / 1000, partials);
            Map<Long, List<AggregateBucket>> buckets = Aggregates.buckets(partials);
            OffsetDateTime coldBefore = ColdReads.coldBefore(tx, "metric_datapoint", r.from(), r.to());
            String label = label(r.bucket());
            List<SeriesAggregates> out = new ArrayList<>(series.size());
            for (var x : series) {
                out.add(new SeriesAggregates(x.value1(), x.value2(), x.value3(), x.value4(), label, r.from(), r.to(),
                        coldBefore, buckets.getOrDefault(x.value1(), List.of())));
            }
            return new FleetAggregates(label, r.from(), r.to(), coldBefore, out);
        });
    }

    static String label(Duration d) {
        long s = d.toSeconds();
        if (s % 86400 == 0) {
            return s / 86400 + "d";
        }
        if (s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
