package io.omniglass.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.AlarmInfo;
import io.omniglass.api.AlarmResult;
import io.omniglass.api.LatencyHeatmap;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.RetentionInfo;
import io.omniglass.api.SimilarAlarm;
import io.omniglass.api.StorageInfo;
import io.omniglass.api.TenantInfo;
import io.omniglass.api.TenantStats;
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
import io.omniglass.views.services.SeriesBuckets;
import io.omniglass.views.services.SimilarAlarms;
import io.omniglass.views.services.SlowStatement;
import io.omniglass.views.services.StorageOverview;
import io.omniglass.views.services.StorageService;
import io.omniglass.views.services.Backtest;
import io.omniglass.views.services.Cancellation;
import io.omniglass.views.services.EventRule;
import io.omniglass.views.services.RuleDraft;
import io.omniglass.views.services.RulesService;
import io.omniglass.views.services.TableStorage;
import io.omniglass.views.services.TenantCounts;
import io.omniglass.views.services.TenantSummary;
import io.omniglass.views.services.TenantsService;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console's services over the HTTP API, through the typed {@link OmniglassClient} only: the
 * api records carry the wire names, so a field the server renames is a failed call (the client's
 * "bad response"), never an empty cell. Here the records become the views' own types.
 */
public final class HttpConsoleServices implements TenantsService, CurrentValuesService, AlarmsService,
        HeatmapService, LineageService, StorageService, io.omniglass.views.services.DeadLettersService,
        io.omniglass.views.services.AlarmJournalService, io.omniglass.views.services.FleetHealthService, RulesService {

    private static final Pattern ROWS_WRITTEN =
            Pattern.compile("(?m)^og_sink_rows_written_total\\{[^}]*tenant=\"([^\"]+)\"[^}]*}\\s+([0-9.eE+-]+)");

    private final OmniglassClient client;

    public HttpConsoleServices(OmniglassClient client) {
        this.client = client;
    }

    /** The services as the views take them: a failed call is a views.services.ServiceException. */
    public ConsoleServices bundle(SseLiveFeed live) {
        return new ConsoleServices(ServiceErrors.translated(TenantsService.class, this),
                ServiceErrors.translated(CurrentValuesService.class, this), ServiceErrors.translated(AlarmsService.class, this),
                ServiceErrors.translated(HeatmapService.class, this), ServiceErrors.translated(LineageService.class, this),
                live, ServiceErrors.translated(StorageService.class, this),
                ServiceErrors.translated(io.omniglass.views.services.DeadLettersService.class, this),
                ServiceErrors.translated(io.omniglass.views.services.AlarmJournalService.class, this),
                ServiceErrors.translated(io.omniglass.views.services.FleetHealthService.class, this),
                ServiceErrors.translated(io.omniglass.views.services.PlantService.class, new Plant()),
                ServiceErrors.translated(RulesService.class, this));
    }

    private static OffsetDateTime utc(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime t) {
        return t == null ? null : t.toInstant();
    }

    // ------------------------------------------------------------------ tenants

    @Override
    public List<TenantSummary> tenants() {
        // counts come per tenant from counts(), rates from ingestRates(): the list itself is cheap
        List<TenantSummary> out = new ArrayList<>();
        for (TenantInfo t : client.tenants()) {
            out.add(new TenantSummary(t.slug(), t.displayName() == null ? t.slug() : t.displayName(), t.status(),
                    null, null, null));
        }
        return out;
    }

    @Override
    public TenantCounts counts(String slug) {
        // counted by the core in one query each (GET .../stats), however large the fleet
        TenantStats stats = client.stats(slug);
        return new TenantCounts(stats.signals(), stats.activeAlarms());
    }

    private final Map<String, double[]> lastRowsWritten = new HashMap<>();

    /** og_sink_rows_written_total{tenant=...} from /metrics, differenced against the previous call. */
    @Override
    public synchronized Map<String, Double> ingestRates() {
        String metrics;
        try {
            metrics = client.metrics();
        } catch (OmniglassClient.ApiException e) {
            return Map.of(); // rates are a nicety: the tenant list shows without them
        }
        return ratesFrom(metrics, System.nanoTime() / 1e9);
    }

    Map<String, Double> ratesFrom(String metrics, double nowSeconds) {
        Map<String, Double> out = new LinkedHashMap<>();
        Matcher m = ROWS_WRITTEN.matcher(metrics);
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
        io.omniglass.api.Page<io.omniglass.api.CurrentValue> page =
                client.currentValues(tenant, filter == null || filter.isBlank() ? null : filter, limit, after);
        return new Page<>(page.items().stream().map(HttpConsoleServices::currentValue).toList(), page.next());
    }

    static CurrentValue currentValue(io.omniglass.api.CurrentValue v) {
        String rendered;
        if (v.value() != null) {
            rendered = formatNumber(v.value());
        } else if (v.text() != null) {
            rendered = v.severity() == null ? v.text() : v.severity() + ": " + v.text();
        } else {
            rendered = "";
        }
        return new CurrentValue(v.seriesId(), v.owner(), v.key(), v.instance(), v.provenance(), v.kind(), rendered,
                v.value(), v.unit(), instant(v.ts()));
    }

    static String formatNumber(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%.4g", d).replaceAll("(\\.\\d*?)0+($|e)", "$1$2").replaceAll("\\.($|e)", "$1");
    }

    @Override
    public SeriesBuckets aggregates(String tenant, long seriesId, Instant from, Instant to, String bucket) {
        io.omniglass.api.SeriesAggregates a = client.seriesAggregates(tenant, seriesId, utc(from), utc(to), bucket);
        List<SeriesBuckets.Bucket> out = a.buckets().stream()
                .map(b -> new SeriesBuckets.Bucket(instant(b.ts()), b.count(), b.min(), b.max(), b.avg())).toList();
        return new SeriesBuckets(out, instant(a.coldBefore()));
    }

    @Override
    public List<Datapoint> history(String tenant, long seriesId, Instant from, Instant to, int limit) {
        List<Datapoint> out = new ArrayList<>();
        for (io.omniglass.api.DatapointValue p : client.seriesHistory(tenant, seriesId, utc(from), utc(to), limit).points()) {
            String text = p.text() == null ? null : p.severity() == null ? p.text() : p.severity() + ": " + p.text();
            out.add(new Datapoint(instant(p.ts()), p.value(), text));
        }
        out.sort(Comparator.comparing(Datapoint::ts)); // the core answers newest first; charts draw oldest first
        return out;
    }

    // ------------------------------------------------------------------ alarms

    @Override
    public Page<Alarm> alarms(String tenant, String filter, int limit, String after) {
        io.omniglass.api.AlarmPage page = client.alarms(tenant, filter == null || filter.isBlank() ? null : filter, limit, after);
        return new Page<>(page.items().stream().map(HttpConsoleServices::alarm).toList(), page.next());
    }

    static Alarm alarm(AlarmInfo a) {
        // the alarm answer names no trigger datapoint: lineage starts from the alarm itself (ofAlarm)
        return new Alarm(a.id(), a.owner(), a.rule() == null ? Long.toString(a.eventRuleId()) : a.rule(), a.state(),
                a.severity(), a.message(), instant(a.raisedAt()), instant(a.clearedAt()),
                a.acked(), a.ackedBy(), instant(a.ackedAt()), a.ackReason(),
                instant(a.snoozedUntil()), a.snoozedBy(), a.snoozeReason(), null, null, null);
    }

    @Override
    public List<BulkResult> ack(String tenant, List<Long> ids, String reason) {
        return bulkResults(ids, client.ackAlarms(tenant, ids, reason));
    }

    @Override
    public List<BulkResult> snooze(String tenant, List<Long> ids, Instant until, String reason) {
        return bulkResults(ids, client.snoozeAlarms(tenant, ids, utc(until), reason));
    }

    @Override
    public List<BulkResult> unsnooze(String tenant, List<Long> ids) {
        List<BulkResult> out = new ArrayList<>();
        for (long id : ids) {
            try {
                client.unsnoozeAlarm(tenant, id);
                out.add(new BulkResult(id, true, null));
            } catch (OmniglassClient.ApiException e) {
                out.add(new BulkResult(id, false, io.omniglass.views.common.Messages.readable(e)));
            }
        }
        return out;
    }

    /** A verdict per id asked about: the core's status per alarm (2xx: done); an id it did not answer counts as failed. */
    static List<BulkResult> bulkResults(List<Long> ids, List<AlarmResult> results) {
        Map<Long, BulkResult> byId = new HashMap<>();
        for (AlarmResult r : results) {
            boolean ok = r.status() / 100 == 2;
            byId.put(r.id(), new BulkResult(r.id(), ok, ok ? null : r.error() == null ? "status " + r.status() : r.error()));
        }
        List<BulkResult> out = new ArrayList<>();
        for (long id : ids) {
            out.add(byId.getOrDefault(id, new BulkResult(id, false, "no result from the core")));
        }
        return out;
    }

    @Override
    public SimilarAlarms similar(String tenant, long alarmId, int limit) {
        return similarAlarms(client.similarAlarms(tenant, alarmId, limit, null));
    }

    static SimilarAlarms similarAlarms(io.omniglass.api.SimilarAlarms body) {
        List<SimilarAlarms.Occurrence> similar = new ArrayList<>();
        for (SimilarAlarm o : body.similar()) {
            List<String> actions = new ArrayList<>();
            for (SimilarAlarm.Action a : o.actions()) {
                Object value = a.command() instanceof Map<?, ?> cmd ? cmd.get("value") : null;
                actions.add(a.key() + (value == null ? "" : " = " + value) + " on " + a.owner() + " (" + a.status() + ")");
            }
            similar.add(new SimilarAlarms.Occurrence(o.alarmId(), o.raiseEventId(), o.rule(), o.owner(), instant(o.raisedAt()),
                    o.distance(), o.ended(), instant(o.clearedAt()), o.ackReason(), o.ackedBy(), o.snoozeReason(), o.snoozedBy(),
                    actions, o.keys(), o.leadUp()));
        }
        return new SimilarAlarms(body.alarmId(), instant(body.raisedAt()), body.keys(), body.leadUp(), similar, body.note());
    }

    @Override
    public List<AuditEntry> auditTrail(String tenant, long alarmId) {
        // the alarm service writes its audit rows on resource "alarm:<id>" with the alarm's snapshot as "new"
        String resource = "alarm:" + alarmId;
        List<AuditEntry> out = new ArrayList<>();
        for (io.omniglass.api.AuditEntry a : client.auditLog(tenant, "resource = \"" + resource + "\"", 500, null).items()) {
            out.add(new AuditEntry(a.id(), instant(a.ts()), a.actor(), a.verb(), a.resource(), describeChange(a.newValue())));
        }
        out.sort(Comparator.comparing(AuditEntry::ts));
        return out;
    }

    /** What an operator decided, from the alarm snapshot an audit row carries (its reasons and snooze end). */
    private static String describeChange(JsonNode snapshot) {
        if (snapshot == null || snapshot.isNull()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String f : List.of("ack_reason", "snooze_reason", "snoozed_until")) {
            JsonNode v = snapshot.get(f);
            if (v != null && !v.isNull()) {
                parts.add(f + "=" + v.asText());
            }
        }
        return parts.isEmpty() ? snapshot.toString() : String.join(", ", parts);
    }

    // ------------------------------------------------------------------ heatmap

    /** The last heatmap answer: it carries each hour's slowest statements, so a click needs no second call. */
    private volatile LatencyHeatmap lastHeatmap;

    @Override
    public Heatmap heatmap(String tenant, int hours) {
        LatencyHeatmap body = client.latencyHeatmap(tenant, hours);
        lastHeatmap = body;
        return heatmapOf(body);
    }

    static Heatmap heatmapOf(LatencyHeatmap body) {
        List<Instant> hours = body.hours().stream().map(HttpConsoleServices::instant).toList();
        List<String> pct = body.percentiles();
        Double[][] ms = new Double[pct.size()][hours.size()];
        long[][] counts = new long[pct.size()][hours.size()];
        for (int r = 0; r < pct.size(); r++) {
            for (int c = 0; c < hours.size(); c++) {
                ms[r][c] = body.valuesMs().get(r).get(c);
                Long n = body.counts().get(c); // the hour's sample count, the same for every percentile
                counts[r][c] = n == null ? 0 : n;
            }
        }
        return new Heatmap(hours, pct, ms, counts);
    }

    @Override
    public List<SlowStatement> slowest(String tenant, Instant hour, int limit) {
        LatencyHeatmap body = lastHeatmap;
        if (body == null) {
            return List.of();
        }
        int col = body.hours().stream().map(HttpConsoleServices::instant).toList().indexOf(hour);
        if (col < 0 || col >= body.slowest().size()) {
            return List.of();
        }
        return body.slowest().get(col).stream()
                .map(s -> new SlowStatement(instant(s.ts()), s.tenant(), s.action() == null ? s.sql() : s.action() + "  " + s.sql(),
                        s.durationMs()))
                .sorted(Comparator.comparingDouble(SlowStatement::ms).reversed())
                .limit(limit).toList();
    }

    // ------------------------------------------------------------------ lineage

    @Override
    public LineageGraph ofDatapoint(String tenant, String kind, long seriesId, Instant ts, int depth) {
        return lineageOf(client.lineage(tenant, kind, seriesId, ts, depth));
    }

    @Override
    public LineageGraph ofAlarm(String tenant, Alarm alarm, int depth) {
        if (alarm.triggerSeriesId() != null && alarm.triggerTs() != null) {
            return ofDatapoint(tenant, alarm.triggerKind() == null ? "metric" : alarm.triggerKind(),
                    alarm.triggerSeriesId(), alarm.triggerTs(), depth);
        }
        return lineageOf(client.lineage(tenant, "alarm", alarm.id(), depth));
    }

    /** {@code ref} is a node id the walk can start from (see {@link #walkable}). */
    @Override
    public LineageGraph ofRef(String tenant, String ref, int depth) {
        String[] p = ref.split(":", 4);
        if (p[0].equals("datapoint")) {
            return ofDatapoint(tenant, p[1], Long.parseLong(p[2]), Instant.parse(p[3]), depth); // ids print Instant.toString()
        }
        return lineageOf(client.lineage(tenant, p[0], Long.parseLong(p[1]), depth));
    }

    static LineageGraph lineageOf(io.omniglass.api.LineageGraph body) {
        List<LineageGraph.Node> nodes = new ArrayList<>();
        for (io.omniglass.api.LineageGraph.Node n : body.nodes()) {
            Map<String, String> details = new LinkedHashMap<>();
            if (n.attrs() != null) {
                n.attrs().forEach((k, v) -> details.put(k, String.valueOf(v)));
            }
            // any node the endpoint can start from can be expanded: whether it has more to show is
            // the view-model's count of its links over all the answers merged so far
            String ref = walkable(n.id()) ? n.id() : null;
            LineageGraph.Node node = new LineageGraph.Node(n.id(), n.type(), n.label(), details, ref, n.hidden());
            if (n.id().equals(body.root())) {
                nodes.add(0, node); // the view-model treats the first node as the root
            } else {
                nodes.add(node);
            }
        }
        List<LineageGraph.Edge> edges = body.edges().stream()
                .map(e -> new LineageGraph.Edge(e.from(), e.to(), e.label())).toList();
        return new LineageGraph(nodes, edges);
    }

    /**
     * Whether the lineage endpoint can start from a node: {@code datapoint:metric:12:TS} and the
     * records {@code alarm:3}, {@code event:5}, {@code action:2}; rule versions and series are leaves.
     */
    static boolean walkable(String id) {
        String[] p = id.split(":", 4);
        return (p.length == 4 && p[0].equals("datapoint"))
                || (p.length == 2 && List.of("alarm", "event", "action").contains(p[0]) && p[1].matches("\\d+"));
    }

    // ------------------------------------------------------------------ storage

    @Override
    public StorageOverview storage(String tenant) {
        List<TableStorage> tables = new ArrayList<>();
        for (StorageInfo.TableStorageInfo t : client.storage(tenant).tables()) {
            tables.add(new TableStorage(t.table(), t.hotBytes(), t.hotRowsEstimate(), t.hotPartitions(), t.hotOldestDay(),
                    t.coldFiles(), t.coldRows(), t.coldBytes(), t.coldOldestDay(), t.coldNewestDay()));
        }
        List<RetentionPolicy> policies = new ArrayList<>();
        for (RetentionInfo.Policy p : client.retention(tenant).policies()) {
            policies.add(new RetentionPolicy(p.table(), p.type(), p.owner(), p.hot(), p.hotFrom(), p.keep(), p.keepFrom(),
                    p.tier(), p.tierFrom()));
        }
        return new StorageOverview(tables, policies);
    }

    // ------------------------------------------------------------------ dead letters and the alarm journal (s3-dlq)

    @Override
    public DeadLetterPage deadLetters(String tenant, String filter, int limit, String after) {
        io.omniglass.api.DeadLetterPage page = client.deadLetters(tenant, filter == null || filter.isBlank() ? null : filter, limit, after);
        return new DeadLetterPage(page.items().stream().map(d -> new io.omniglass.views.services.DeadLetter(d.id(), instant(d.time()),
                d.reason(), d.detail(), d.subject(), d.index(), d.body(), d.headers())).toList(), page.next(), page.total());
    }

    @Override
    public List<io.omniglass.views.services.DeadLetterResult> redrive(String tenant, List<Long> ids, Map<Long, String> edits, String reason) {
        Map<Long, com.fasterxml.jackson.databind.JsonNode> bodies = new HashMap<>();
        for (Map.Entry<Long, String> e : edits.entrySet()) {
            try {
                bodies.put(e.getKey(), OmniglassClient.JSON.readTree(e.getValue()));
            } catch (java.io.IOException bad) {
                // the editor checked it; a body that is not JSON after all goes as raw text and comes back as bad_json
                bodies.put(e.getKey(), OmniglassClient.JSON.getNodeFactory().textNode(e.getValue()));
            }
        }
        return deadLetterResults(ids, client.redriveDeadLetters(tenant, ids, bodies.isEmpty() ? null : bodies, reason));
    }

    @Override
    public List<io.omniglass.views.services.DeadLetterResult> discard(String tenant, List<Long> ids, String reason) {
        return deadLetterResults(ids, client.discardDeadLetters(tenant, ids, reason));
    }

    /** A result per id asked about; an id the core did not answer counts as failed. */
    static List<io.omniglass.views.services.DeadLetterResult> deadLetterResults(List<Long> ids, List<io.omniglass.api.DeadLetterResult> results) {
        Map<Long, io.omniglass.views.services.DeadLetterResult> byId = new HashMap<>();
        for (io.omniglass.api.DeadLetterResult r : results) {
            byId.put(r.id(), new io.omniglass.views.services.DeadLetterResult(r.id(), r.status(), r.error()));
        }
        List<io.omniglass.views.services.DeadLetterResult> out = new ArrayList<>();
        for (long id : ids) {
            out.add(byId.getOrDefault(id, new io.omniglass.views.services.DeadLetterResult(id, "failed", "no result from the core")));
        }
        return out;
    }

    @Override
    public Journal journal(String tenant, Long alarmId, String owner, String rule, String operator, Instant from, Instant to, int limit) {
        io.omniglass.api.AlarmJournal j = alarmId != null ? client.alarmJournal(tenant, alarmId, utc(from), utc(to))
                : client.alarmsJournal(tenant, owner, rule, operator, utc(from), utc(to), limit);
        return new Journal(j.entries().stream().map(e -> new io.omniglass.views.services.JournalEntry(instant(e.at()), e.alarmId(),
                e.owner(), e.rule(), e.kind(), e.what(), e.actor(), e.reason(), e.severity(), e.message(),
                instant(e.snoozedUntil()))).toList(), j.truncated());
    }

    // ------------------------------------------------------------------ fleet health (s3-health)

    @Override
    public io.omniglass.views.services.FleetSnapshot fleetHealth() {
        return FleetHealthMapping.snapshot(client.fleetHealth());
    }

    // ------------------------------------------------------------------ plant tree (views/plant)

    /** The plant screen's reads: the tree endpoint, and one owner's values, sparklines, alarms and variables. */
    final class Plant implements io.omniglass.views.services.PlantService {

        @Override
        public io.omniglass.views.services.PlantLevel children(String tenant, String parentId, int limit, String after) {
            return level(client.plantTreeChildren(tenant, parentId, limit, after));
        }

        @Override
        public io.omniglass.views.services.PlantLevel search(String tenant, String query, int limit) {
            return level(client.plantTreeSearch(tenant, query, limit));
        }

        @Override
        public Page<CurrentValue> ownerValues(String tenant, String owner, int limit, String after) {
            return currentValues(tenant, owner == null ? null : "owner = " + quoted(owner), limit, after);
        }

        @Override
        public Map<Long, SeriesBuckets> sparklines(String tenant, String owner, Instant from, Instant to, String bucket) {
            Map<Long, SeriesBuckets> out = new HashMap<>();
            for (io.omniglass.api.SeriesAggregates a : client.aggregates(tenant, "owner = " + quoted(owner), utc(from), utc(to), bucket).series()) {
                out.put(a.seriesId(), new SeriesBuckets(a.buckets().stream()
                        .map(b -> new SeriesBuckets.Bucket(instant(b.ts()), b.count(), b.min(), b.max(), b.avg())).toList(),
                        instant(a.coldBefore())));
            }
            return out;
        }

        @Override
        public List<Alarm> activeAlarms(String tenant, String owner) {
            return client.alarms(tenant, "owner = " + quoted(owner) + " and state = active", 500, null).items().stream()
                    .map(HttpConsoleServices::alarm).toList();
        }

        @Override
        public List<io.omniglass.views.services.PlantVariable> variables(String tenant, String owner) {
            // the variables endpoint lists the scope's variables (at most 10,000): the owner's are picked here
            return client.variables(tenant).stream().filter(v -> owner.equals(v.owner()))
                    .map(v -> new io.omniglass.views.services.PlantVariable(v.name(), v.variableType(),
                            v.value() == null ? "" : v.value().isTextual() ? v.value().asText() : v.value().toString(), v.secret()))
                    .toList();
        }

        private static String quoted(String owner) {
            return "\"" + owner + "\"";
        }

        private static io.omniglass.views.services.PlantLevel level(io.omniglass.api.PlantTreePage page) {
            List<io.omniglass.views.services.PlantNode> nodes = page.items().stream().map(n -> new io.omniglass.views.services.PlantNode(
                    n.kind(), n.id(), n.name(), n.displayName(), n.childCount(), n.activeAlarms(),
                    n.signal() == null ? null : n.signal().seriesId(), n.signal() == null ? null : n.signal().owner(),
                    n.signal() == null ? null : n.signal().unit(),
                    n.path().stream().map(io.omniglass.api.PlantTreeRef::id).toList())).toList();
            return new io.omniglass.views.services.PlantLevel(nodes, page.next(), page.truncated());
        }
    }

    // ------------------------------------------------------------------ rules with a backtest

    @Override
    public List<EventRule> rules(String tenant) {
        return client.eventRules(tenant).stream().map(HttpConsoleServices::rule).toList();
    }

    @Override
    public EventRule save(String tenant, Long id, RuleDraft draft) {
        io.omniglass.api.EventRuleRequest req = request(draft);
        return rule(id == null ? client.createEventRule(tenant, req) : client.updateEventRule(tenant, id, req));
    }

    @Override
    public Backtest backtest(String tenant, RuleDraft draft, Instant from, Instant to, Cancellation cancel) {
        // a cancel interrupts the waiting thread: the client abandons the exchange and closes its
        // connection, and the core stops the run at its next heartbeat
        Thread caller = Thread.currentThread();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        cancel.onCancel(() -> {
            synchronized (done) {
                if (!done.get()) {
                    caller.interrupt();
                }
            }
        });
        try {
            io.omniglass.api.EventRuleBacktest b = client.backtestEventRule(tenant,
                    new io.omniglass.api.EventRuleBacktestRequest(request(draft), utc(from), utc(to), null));
            List<Backtest.Owner> owners = new ArrayList<>();
            for (io.omniglass.api.EventRuleBacktest.Owner o : b.owners()) {
                owners.add(new Backtest.Owner(o.owner(), o.series(), o.evaluatedPoints(), o.intervals().stream()
                        .map(i -> new Backtest.Interval(instant(i.raisedAt()), instant(i.clearedAt()))).toList()));
            }
            return new Backtest(instant(b.from()), instant(b.to()), b.evaluatedPoints(), b.coldPoints(), b.raises(), owners);
        } finally {
            synchronized (done) {
                done.set(true);
                Thread.interrupted(); // a cancel that came at the end must not interrupt the pool's next task
            }
        }
    }

    static io.omniglass.api.EventRuleRequest request(RuleDraft d) {
        com.fasterxml.jackson.databind.node.ObjectNode c = OmniglassClient.JSON.createObjectNode().put("type", d.condition());
        switch (d.condition() == null ? "" : d.condition()) {
            case "high", "low" -> c.put("threshold", d.limit()).put("deadband", d.deadband() == null ? 0 : d.deadband());
            case "rate" -> c.put("max_per_second", d.limit()).put("deadband", d.deadband() == null ? 0 : d.deadband());
            case "state" -> c.put("equals", d.equals());
            case "no_data" -> {
                if (d.limit() != null && d.limit() == Math.rint(d.limit())) {
                    c.put("seconds", d.limit().longValue());
                } else {
                    c.put("seconds", d.limit()); // not a whole number: the core says so
                }
            }
            default -> {
            }
        }
        return new io.omniglass.api.EventRuleRequest(d.name(), d.selector(), d.key(), c, d.severity(), d.message(), d.enabled());
    }

    static EventRule rule(io.omniglass.api.EventRuleInfo r) {
        com.fasterxml.jackson.databind.JsonNode c = r.condition();
        String type = c.path("type").asText();
        Double limit = switch (type) {
            case "high", "low" -> c.path("threshold").isNumber() ? c.get("threshold").asDouble() : null;
            case "rate" -> c.path("max_per_second").isNumber() ? c.get("max_per_second").asDouble() : null;
            case "no_data" -> c.path("seconds").isNumber() ? c.get("seconds").asDouble() : null;
            default -> null;
        };
        Double deadband = c.path("deadband").isNumber() ? c.get("deadband").asDouble() : null;
        String equals = c.path("equals").isTextual() ? c.get("equals").asText() : null;
        return new EventRule(r.id(), r.version(), new RuleDraft(r.name(), r.selector(), r.key(), type, limit, deadband, equals,
                r.severity(), r.message(), r.enabled()));
    }
}
