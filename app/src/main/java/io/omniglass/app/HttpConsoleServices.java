package io.omniglass.app;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.AlarmsService;
import io.omniglass.views.services.AuditEntry;
import io.omniglass.views.services.BulkResult;
import io.omniglass.views.services.ConsoleServices;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.CurrentValuesService;
import io.omniglass.views.services.Datapoint;
import io.omniglass.views.services.Heatmap;
import io.omniglass.views.services.HeatmapService;
import io.omniglass.views.services.LineageGraph;
import io.omniglass.views.services.LineageService;
import io.omniglass.views.services.Page;
import io.omniglass.views.services.RetentionPolicy;
import io.omniglass.views.services.SlowStatement;
import io.omniglass.views.services.StorageOverview;
import io.omniglass.views.services.StorageService;
import io.omniglass.views.services.TableStorage;
import io.omniglass.views.services.TenantSummary;
import io.omniglass.views.services.TenantsService;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The console's services over the HTTP API (CONTRACT.md), through {@link OmniglassClient}. */
public final class HttpConsoleServices implements TenantsService, CurrentValuesService, AlarmsService,
        HeatmapService, LineageService, StorageService {

    private static final TypeReference<JsonNode> NODE = new TypeReference<>() { };

    private final OmniglassClient client;

    public HttpConsoleServices(OmniglassClient client) {
        this.client = client;
    }

    public ConsoleServices bundle(SseLiveFeed live) {
        return new ConsoleServices(this, this, this, this, this, live, this);
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String tenantPath(String tenant) {
        return "/api/v1/tenants/" + enc(tenant);
    }

    private JsonNode get(String path) {
        return client.get(path, NODE);
    }

    // ------------------------------------------------------------------ tenants

    @Override
    public List<TenantSummary> tenants() {
        List<TenantSummary> out = new ArrayList<>();
        for (JsonNode t : Json.items(get("/api/v1/tenants"), "tenants")) {
            JsonNode stats = Json.field(t, "stats", "counts");
            JsonNode src = stats == null ? t : stats;
            out.add(new TenantSummary(Json.text(t, "slug"), Json.text(t, "display_name", "name"), Json.text(t, "status"),
                    Json.longValue(src, "series", "series_count"),
                    Json.longValue(src, "active_alarms", "alarms_active"),
                    Json.doubleValue(src, "ingest_rate", "ingest_per_second", "ingest_rate_per_s")));
        }
        return out;
    }

    @Override
    public io.omniglass.views.services.TenantCounts counts(String slug) {
        // counted by the core in one query each (GET .../stats), however large the fleet
        JsonNode stats = get(tenantPath(slug) + "/stats");
        Long signals = Json.longValue(stats, "signals");
        Long active = Json.longValue(stats, "active_alarms");
        return new io.omniglass.views.services.TenantCounts(signals == null ? 0 : signals, active == null ? 0 : active);
    }

    private final Map<String, double[]> lastRowsWritten = new HashMap<>();

    /** og_sink_rows_written_total{tenant=...} from /metrics, differenced against the previous call. */
    @Override
    public synchronized Map<String, Double> ingestRates() {
        java.net.http.HttpResponse<String> r;
        try {
            r = client.http().send(java.net.http.HttpRequest.newBuilder(client.baseUri().resolve("/metrics"))
                    .header("Authorization", "Bearer " + client.token()).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
        if (r.statusCode() != 200) {
            return Map.of();
        }
        return ratesFrom(r.body(), System.nanoTime() / 1e9);
    }

    Map<String, Double> ratesFrom(String metrics, double nowSeconds) {
        Map<String, Double> out = new LinkedHashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern
                .compile("(?m)^og_sink_rows_written_total\\{[^}]*tenant=\"([^\"]+)\"[^}]*}\\s+([0-9.eE+-]+)").matcher(metrics);
        while (m.find()) {
            String tenant = m.group(1);
            double rows = Double.parseDouble(m.group(2));
            double[] prev = lastRowsWritten.put(tenant, new double[]{nowSeconds, rows});
            if (prev != null && nowSeconds > prev[0]) {
                out.put(tenant, Math.max(0, (rows - prev[1]) / (nowSeconds - prev[0])));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ current values

    @Override
    public Page<CurrentValue> currentValues(String tenant, String filter, int limit, String after) {
        StringBuilder q = new StringBuilder(tenantPath(tenant)).append("/current-values?limit=").append(limit);
        if (filter != null && !filter.isBlank()) {
            q.append("&filter=").append(enc(filter));
        }
        if (after != null) {
            q.append("&after=").append(enc(after));
        }
        JsonNode body = get(q.toString());
        List<CurrentValue> rows = Json.items(body, "values", "current_values").stream().map(HttpConsoleServices::currentValue).toList();
        return new Page<>(rows, Json.nextCursor(body));
    }

    static CurrentValue currentValue(JsonNode n) {
        JsonNode v = Json.field(n, "value", "value_num");
        String text = Json.text(n, "text", "value_text");
        String severity = Json.text(n, "severity");
        Double numeric = v != null && v.isNumber() ? Double.valueOf(v.asDouble()) : null;
        String rendered;
        if (v != null && v.isObject()) {
            rendered = Json.textOr(v, "", "severity") + ": " + Json.textOr(v, "", "message");
        } else if (numeric != null) {
            rendered = formatNumber(numeric);
        } else if (v != null) {
            rendered = v.asText();
        } else if (text != null) {
            rendered = severity == null ? text : severity + ": " + text;
        } else {
            rendered = "";
        }
        Long series = Json.longValue(n, "series_id", "seriesId");
        return new CurrentValue(series == null ? 0 : series,
                Json.textOr(n, "", "owner"), Json.textOr(n, "", "key"), Json.textOr(n, "", "instance"),
                Json.textOr(n, "observed", "provenance"), Json.text(n, "kind"), rendered, numeric,
                Json.text(n, "unit"), Json.instant(n, "ts"));
    }

    static String formatNumber(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%.4g", d).replaceAll("(\\.\\d*?)0+($|e)", "$1$2").replaceAll("\\.($|e)", "$1");
    }

    @Override
    public io.omniglass.views.services.SeriesBuckets aggregates(String tenant, long seriesId, Instant from, Instant to, String bucket) {
        JsonNode body = get(tenantPath(tenant) + "/series/" + seriesId + "/aggregates?from=" + enc(from.toString())
                + "&to=" + enc(to.toString()) + "&bucket=" + enc(bucket));
        List<io.omniglass.views.services.SeriesBuckets.Bucket> out = new ArrayList<>();
        for (JsonNode b : body.path("buckets")) {
            out.add(new io.omniglass.views.services.SeriesBuckets.Bucket(Json.instant(b, "ts"), b.path("count").asLong(),
                    b.path("min").asDouble(), b.path("max").asDouble(), b.path("avg").asDouble()));
        }
        JsonNode cold = body.path("coldBefore");
        return new io.omniglass.views.services.SeriesBuckets(out, cold.isTextual() ? Json.instant(body, "coldBefore") : null);
    }

    @Override
    public List<Datapoint> history(String tenant, long seriesId, Instant from, Instant to, int limit) {
        JsonNode body = get(tenantPath(tenant) + "/series/" + seriesId + "/datapoints?from=" + enc(from.toString())
                + "&to=" + enc(to.toString()) + "&limit=" + limit);
        List<Datapoint> out = new ArrayList<>();
        for (JsonNode p : Json.items(body, "datapoints", "points")) {
            JsonNode v = Json.field(p, "value", "value_num");
            Double num = v != null && v.isNumber() ? v.asDouble() : null;
            out.add(new Datapoint(Json.instant(p, "ts"), num, v == null || v.isNumber() ? null : v.toString()));
        }
        out.sort(java.util.Comparator.comparing(Datapoint::ts, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())));
        return out;
    }

    // ------------------------------------------------------------------ alarms

    @Override
    public Page<Alarm> alarms(String tenant, String filter, int limit, String after) {
        StringBuilder q = new StringBuilder(tenantPath(tenant)).append("/alarms?limit=").append(limit);
        if (filter != null && !filter.isBlank()) {
            q.append("&filter=").append(enc(filter));
        }
        if (after != null) {
            q.append("&after=").append(enc(after));
        }
        JsonNode body = get(q.toString());
        return new Page<>(Json.items(body, "alarms").stream().map(HttpConsoleServices::alarm).toList(), Json.nextCursor(body));
    }

    static Alarm alarm(JsonNode n) {
        return new Alarm(Json.longValue(n, "id"), Json.textOr(n, "", "owner"),
                Json.textOr(n, Json.textOr(n, "", "event_rule_id", "eventRuleId"), "rule", "event_rule", "rule_name"),
                Json.textOr(n, "", "state"), Json.textOr(n, "info", "severity"), Json.textOr(n, "", "message"),
                Json.instant(n, "raised_at", "raisedAt"), Json.instant(n, "cleared_at", "clearedAt"),
                Json.bool(n, "acked"), Json.text(n, "acked_by", "ackedBy"), Json.instant(n, "acked_at", "ackedAt"),
                Json.text(n, "ack_reason", "ackReason"),
                Json.instant(n, "snoozed_until", "snoozedUntil"), Json.text(n, "snoozed_by", "snoozedBy"),
                Json.text(n, "snooze_reason", "snoozeReason"),
                Json.longValue(n, "trigger_series_id", "triggerSeriesId"), Json.instant(n, "trigger_ts", "triggerTs"),
                Json.text(n, "trigger_kind", "triggerKind"));
    }

    @Override
    public List<BulkResult> ack(String tenant, List<Long> ids, String reason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ids", ids);
        if (reason != null) {
            body.put("reason", reason);
        }
        return bulkResults(ids, client.post(tenantPath(tenant) + "/alarms:ack", body, NODE));
    }

    @Override
    public List<BulkResult> snooze(String tenant, List<Long> ids, Instant until, String reason) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ids", ids);
        body.put("until", until.toString());
        if (reason != null) {
            body.put("reason", reason);
        }
        return bulkResults(ids, client.post(tenantPath(tenant) + "/alarms:snooze", body, NODE));
    }

    @Override
    public List<BulkResult> unsnooze(String tenant, List<Long> ids) {
        List<BulkResult> out = new ArrayList<>();
        for (long id : ids) {
            try {
                client.post(tenantPath(tenant) + "/alarms/" + id + ":unsnooze", Map.of(), NODE);
                out.add(new BulkResult(id, true, null));
            } catch (OmniglassClient.ApiException e) {
                out.add(new BulkResult(id, false, io.omniglass.views.common.Messages.readable(e)));
            }
        }
        return out;
    }

    /** A bulk answer: a result per id, whatever the exact shape; ids the core did not mention count as failed. */
    static List<BulkResult> bulkResults(List<Long> ids, JsonNode body) {
        Map<Long, BulkResult> byId = new HashMap<>();
        for (JsonNode r : Json.items(body, "results")) {
            Long id = Json.longValue(r, "id");
            if (id == null) {
                continue;
            }
            String status = Json.text(r, "status", "result", "outcome");
            JsonNode okNode = Json.field(r, "ok", "success");
            boolean ok;
            if (okNode != null) {
                ok = okNode.asBoolean();
            } else if (status != null) {
                ok = status.matches("(?i)ok|done|acked|snoozed|unsnoozed|success|2\\d\\d");
            } else {
                ok = Json.field(r, "error") == null;
            }
            String err = Json.text(r, "error", "detail", "message");
            if (!ok && err == null) {
                err = status;
            }
            byId.put(id, new BulkResult(id, ok, ok ? null : err));
        }
        List<BulkResult> out = new ArrayList<>();
        for (long id : ids) {
            out.add(byId.getOrDefault(id, new BulkResult(id, false, "no result from the core")));
        }
        return out;
    }

    @Override
    public io.omniglass.views.services.SimilarAlarms similar(String tenant, long alarmId, int limit) {
        return similarAlarms(get(tenantPath(tenant) + "/alarms/" + alarmId + "/similar?limit=" + limit));
    }

    static io.omniglass.views.services.SimilarAlarms similarAlarms(JsonNode body) {
        List<io.omniglass.views.services.SimilarAlarms.Occurrence> similar = new ArrayList<>();
        for (JsonNode o : Json.items(body, "similar")) {
            List<String> actions = new ArrayList<>();
            for (JsonNode a : Json.items(o, "actions")) {
                JsonNode cmd = Json.field(a, "command");
                JsonNode value = cmd == null ? null : Json.field(cmd, "value");
                actions.add(Json.textOr(a, "", "key") + (value == null ? "" : " = " + value.asText()) + " on "
                        + Json.textOr(a, "", "owner") + " (" + Json.textOr(a, "", "status") + ")");
            }
            Double distance = Json.doubleValue(o, "distance");
            similar.add(new io.omniglass.views.services.SimilarAlarms.Occurrence(
                    Json.longValue(o, "alarm_id"), Json.longValue(o, "raise_event_id"), Json.textOr(o, "", "rule"),
                    Json.textOr(o, "", "owner"), Json.instant(o, "raised_at"), distance == null ? Double.NaN : distance,
                    Json.textOr(o, "", "ended"), Json.instant(o, "cleared_at"),
                    Json.text(o, "ack_reason"), Json.text(o, "acked_by"), Json.text(o, "snooze_reason"), Json.text(o, "snoozed_by"),
                    actions, strings(Json.field(o, "keys")), floats(Json.field(o, "lead_up"))));
        }
        return new io.omniglass.views.services.SimilarAlarms(Json.longValue(body, "alarm_id"), Json.instant(body, "raised_at"),
                strings(Json.field(body, "keys")), floats(Json.field(body, "lead_up")), similar, Json.text(body, "note"));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    private static List<Float> floats(JsonNode array) {
        List<Float> out = new ArrayList<>();
        if (array != null) {
            array.forEach(n -> out.add((float) n.asDouble()));
        }
        return out;
    }

    @Override
    public List<AuditEntry> auditTrail(String tenant, long alarmId) {
        // audit rows name the alarm in `resource`; ask the core to narrow, else narrow here
        JsonNode body;
        try {
            body = get(tenantPath(tenant) + "/audit-log?limit=500&filter=" + enc("resource = \"alarm:" + alarmId + "\""));
        } catch (OmniglassClient.ApiException e) {
            if (e.status() != 400) {
                throw e;
            }
            body = get(tenantPath(tenant) + "/audit-log?limit=500");
        }
        List<AuditEntry> out = new ArrayList<>();
        for (JsonNode a : Json.items(body, "entries", "audit_log")) {
            String resource = Json.textOr(a, "", "resource");
            if (!resource.matches("(?i)alarms?[/:#]" + alarmId)) {
                continue;
            }
            JsonNode nw = Json.field(a, "new", "new_value", "newValue");
            String detail = nw == null ? "" : describeChange(nw);
            out.add(new AuditEntry(Json.longValue(a, "id"), Json.instant(a, "ts"), Json.textOr(a, "", "actor"),
                    Json.textOr(a, "", "verb", "action"), resource, detail));
        }
        out.sort(java.util.Comparator.comparing(AuditEntry::ts, java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder())));
        return out;
    }

    private static String describeChange(JsonNode nw) {
        List<String> parts = new ArrayList<>();
        for (String f : List.of("reason", "ack_reason", "ackReason", "snooze_reason", "snoozeReason", "snoozed_until", "snoozedUntil")) {
            String v = Json.text(nw, f);
            if (v != null) {
                parts.add(f + "=" + v);
            }
        }
        return parts.isEmpty() ? nw.toString() : String.join(", ", parts);
    }

    // ------------------------------------------------------------------ heatmap

    /** The last heatmap answer: it carries each hour's slowest statements, so a click needs no second call. */
    private volatile JsonNode lastHeatmap;

    @Override
    public Heatmap heatmap(String tenant, int hours) {
        JsonNode body = get("/api/v1/latency-heatmap?hours=" + hours + (tenant == null ? "" : "&tenant=" + enc(tenant)));
        lastHeatmap = body;
        return heatmapOf(body);
    }

    static Heatmap heatmapOf(JsonNode body) {
        List<Instant> hourList = new ArrayList<>();
        for (JsonNode h : Json.items(body, "hours", "columns")) {
            hourList.add(h.isObject() ? Json.instant(h, "hour", "start", "ts") : parse(h.asText()));
        }
        List<String> pct = new ArrayList<>();
        for (JsonNode p : Json.items(body, "percentiles", "rows")) {
            pct.add(p.isObject() ? Json.textOr(p, "?", "name", "label", "percentile") : label(p));
        }
        Double[][] ms = new Double[pct.size()][hourList.size()];
        long[][] counts = new long[pct.size()][hourList.size()];
        JsonNode values = Json.field(body, "values_ms", "valuesMs", "ms", "values");
        JsonNode countNode = Json.field(body, "counts", "samples");
        if (values != null && values.isArray()) {
            for (int r = 0; r < pct.size(); r++) {
                for (int c = 0; c < hourList.size(); c++) {
                    JsonNode v = values.path(r).path(c);
                    ms[r][c] = v.isNumber() ? v.asDouble() : null;
                    JsonNode cn = countNode == null ? null : (countNode.path(r).isArray() ? countNode.path(r).path(c) : countNode.path(c));
                    counts[r][c] = cn != null && cn.isNumber() ? cn.asLong() : (ms[r][c] == null ? 0 : 1);
                }
            }
        }
        for (JsonNode cell : Json.items(body, "cells")) {
            Integer c = indexOf(hourList, Json.instant(cell, "hour", "ts"));
            Integer r = pct.indexOf(label(Json.field(cell, "percentile", "p")));
            if (c != null && r >= 0) {
                ms[r][c] = Json.doubleValue(cell, "ms", "value");
                Long n = Json.longValue(cell, "count", "samples", "n");
                counts[r][c] = n == null ? 0 : n;
            }
        }
        return new Heatmap(hourList, pct, ms, counts);
    }

    private static Integer indexOf(List<Instant> hours, Instant h) {
        int i = h == null ? -1 : hours.indexOf(h);
        return i < 0 ? null : i;
    }

    private static Instant parse(String s) {
        try {
            return java.time.OffsetDateTime.parse(s).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String label(JsonNode p) {
        if (p == null) {
            return "?";
        }
        if (p.isNumber()) {
            double d = p.asDouble();
            return "p" + (d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d));
        }
        return p.asText();
    }

    @Override
    public List<SlowStatement> slowest(String tenant, Instant hour, int limit) {
        JsonNode body = lastHeatmap;
        List<SlowStatement> out = new ArrayList<>();
        if (body == null) {
            return out;
        }
        List<JsonNode> hours = Json.items(body, "hours");
        int col = -1;
        for (int i = 0; i < hours.size(); i++) {
            if (hour.equals(parse(hours.get(i).asText()))) {
                col = i;
            }
        }
        JsonNode slowest = Json.field(body, "slowest");
        if (col < 0 || slowest == null) {
            return out;
        }
        for (JsonNode s : slowest.path(col)) {
            Double ms = Json.doubleValue(s, "duration_ms", "durationMs", "ms");
            String action = Json.text(s, "action");
            String sql = Json.textOr(s, "", "sql", "statement");
            out.add(new SlowStatement(Json.instant(s, "ts"), Json.text(s, "tenant"),
                    action == null ? sql : action + "  " + sql, ms == null ? 0 : ms));
        }
        out.sort(java.util.Comparator.comparingDouble(SlowStatement::ms).reversed());
        return out.size() > limit ? out.subList(0, limit) : out;
    }

    // ------------------------------------------------------------------ lineage

    @Override
    public LineageGraph ofDatapoint(String tenant, String kind, long seriesId, Instant ts, int depth) {
        return lineageOf(get(tenantPath(tenant) + "/lineage/" + enc(kind) + "/" + seriesId + "/" + enc(ts.toString()) + "?depth=" + depth));
    }

    @Override
    public LineageGraph ofAlarm(String tenant, Alarm alarm, int depth) {
        if (alarm.triggerSeriesId() != null && alarm.triggerTs() != null) {
            return ofDatapoint(tenant, alarm.triggerKind() == null ? "metric" : alarm.triggerKind(),
                    alarm.triggerSeriesId(), alarm.triggerTs(), depth);
        }
        return lineageOf(get(tenantPath(tenant) + "/lineage/alarm/" + alarm.id() + "?depth=" + depth));
    }

    @Override
    public LineageGraph ofRef(String tenant, String ref, int depth) {
        return lineageOf(get(tenantPath(tenant) + "/lineage/" + ref + (ref.contains("?") ? "&" : "?") + "depth=" + depth));
    }

    static LineageGraph lineageOf(JsonNode body) {
        String root = Json.text(body, "root");
        List<LineageGraph.Node> nodes = new ArrayList<>();
        for (JsonNode n : Json.items(body, "nodes")) {
            Map<String, String> details = new LinkedHashMap<>();
            JsonNode attrs = Json.field(n, "attrs", "attributes", "details");
            JsonNode src = attrs != null && attrs.isObject() ? attrs : n;
            src.fields().forEachRemaining(e -> {
                if (src != n || !List.of("id", "kind", "label", "ref", "type", "hidden").contains(e.getKey())) {
                    details.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString());
                }
            });
            String kind = Json.textOr(n, "node", "type", "kind");
            String id = Json.textOr(n, kind + ":" + nodes.size(), "id");
            Long hidden = Json.longValue(n, "hidden");
            if (hidden != null && hidden > 0) {
                details.put("not shown", hidden + " more linked records (expand)");
            }
            String ref = Json.text(n, "ref");
            if (ref == null && (hidden == null || hidden > 0)) {
                ref = refOf(id);
            }
            LineageGraph.Node node = new LineageGraph.Node(id, kind, Json.textOr(n, id, "label", "name"), details, ref);
            if (id.equals(root)) {
                nodes.add(0, node); // the view-model treats the first node as the root
            } else {
                nodes.add(node);
            }
        }
        List<LineageGraph.Edge> edges = new ArrayList<>();
        for (JsonNode e : Json.items(body, "edges")) {
            edges.add(new LineageGraph.Edge(Json.text(e, "from", "source"), Json.text(e, "to", "target"), Json.text(e, "label", "kind", "relation")));
        }
        return new LineageGraph(nodes, edges);
    }

    /**
     * Where the lineage endpoint can start from a node id: {@code datapoint:metric:12:TS} is
     * {@code metric/12/TS}, {@code alarm:3} / {@code event:5} / {@code action:2} are records; other
     * nodes (rule versions, series) are leaves of the walk.
     */
    static String refOf(String id) {
        String[] p = id.split(":", 4);
        if (p.length == 4 && p[0].equals("datapoint")) {
            return p[1] + "/" + p[2] + "/" + enc(p[3]);
        }
        if (p.length >= 2 && List.of("alarm", "event", "action").contains(p[0])) {
            return p[0] + "/" + id.substring(p[0].length() + 1);
        }
        return null;
    }

    // ------------------------------------------------------------------ storage

    @Override
    public StorageOverview storage(String tenant) {
        List<TableStorage> tables = new ArrayList<>();
        for (JsonNode t : Json.items(get(tenantPath(tenant) + "/storage"), "tables")) {
            tables.add(new TableStorage(Json.text(t, "table"), orZero(Json.longValue(t, "hotBytes")),
                    orZero(Json.longValue(t, "hotRowsEstimate")), orZero(Json.longValue(t, "hotPartitions")),
                    Json.text(t, "hotOldestDay"), orZero(Json.longValue(t, "coldFiles")), orZero(Json.longValue(t, "coldRows")),
                    orZero(Json.longValue(t, "coldBytes")), Json.text(t, "coldOldestDay"), Json.text(t, "coldNewestDay")));
        }
        List<RetentionPolicy> policies = new ArrayList<>();
        for (JsonNode p : Json.items(get(tenantPath(tenant) + "/retention"), "policies")) {
            policies.add(new RetentionPolicy(Json.text(p, "table"), Json.text(p, "type"), Json.text(p, "owner"),
                    Json.text(p, "hot"), Json.text(p, "hotFrom"), Json.text(p, "keep"), Json.text(p, "keepFrom"),
                    Json.text(p, "tier"), Json.text(p, "tierFrom")));
        }
        return new StorageOverview(tables, policies);
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }
}
