package io.omniglass.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * A small Java client of the Omniglass HTTP API, for the console, the CLI and scripts.
 * Non-2xx answers become {@link ApiException} carrying the server's error body.
 */
public class OmniglassClient {

    public static final ObjectMapper JSON = WireJson.mapper();

    private final CoreUrls cores;
    private final String token;
    private final HttpClient http;

    /** {@code baseUrl}: one core's URL, or several cores' separated by commas (see {@link CoreUrls}). */
    public OmniglassClient(String baseUrl, String token) {
        this(baseUrl, token, null);
    }

    /** {@code tls}: how an https core is verified (see {@link TlsTrust}); null: the JDK's trusted CAs. */
    public OmniglassClient(String baseUrl, String token, javax.net.ssl.SSLContext tls) {
        this.cores = CoreUrls.parse(baseUrl);
        this.token = token;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    /** The core this client talks to now (with several, the one that answered last). */
    public URI baseUri() {
        return cores.current();
    }

    /** Every core this client may talk to, in the order given. */
    public List<URI> coreUris() {
        return cores.all();
    }

    public String token() {
        return token;
    }

    public HttpClient http() {
        return http;
    }

    public boolean healthy() {
        try {
            HttpResponse<String> r = sendFailingOver(HttpRequest.newBuilder(cores.current().resolve("/healthz"))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public List<TenantInfo> tenants() {
        return get("/api/v1/tenants", new TypeReference<List<TenantInfo>>() { });
    }

    public TenantInfo createTenant(String slug, String name) {
        return createTenant(slug, name, null);
    }

    /** The registered Postgres servers (admin). */
    public java.util.List<ServerInfo> servers() {
        return get("/api/v1/servers", new TypeReference<java.util.List<ServerInfo>>() { });
    }

    /** Registers a Postgres server (admin); the core checks it can reach it first. */
    public ServerInfo addServer(AddServerRequest request) {
        return post("/api/v1/servers", request, new TypeReference<ServerInfo>() { });
    }

    /** A drained server takes no new tenants (admin). */
    public ServerInfo drainServer(String name) {
        return post("/api/v1/servers/" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8) + ":drain",
                java.util.Map.of(), new TypeReference<ServerInfo>() { });
    }

    /** {@code server}: a registered Postgres server, or null for the one with the fewest tenants. */
    public TenantInfo createTenant(String slug, String name, String server) {
        return post("/api/v1/tenants", new CreateTenantRequest(slug, name, server), new TypeReference<TenantInfo>() { });
    }

    public TokenCreated createToken(CreateTokenRequest request) {
        return post("/api/v1/tokens", request, new TypeReference<TokenCreated>() { });
    }

    /** The tokens this (admin) token may manage, newest first. */
    public Page<TokenInfo> tokens(Integer limit, String after) {
        return get("/api/v1/tokens" + query("limit", limit, "after", after), new TypeReference<Page<TokenInfo>>() { });
    }

    /** Revokes a token on every core (idempotent: revoking a revoked token answers its record again). */
    public TokenInfo revokeToken(long id) {
        return post("/api/v1/tokens/" + id + ":revoke", null, new TypeReference<TokenInfo>() { });
    }

    // ---------------------------------------------------------------- gateway endpoints

    /** A data-lane credential for a device of {@code tenant}; the seed in the answer is shown this once. */
    public DeviceCreated createDevice(String tenant, String name) {
        return post(tenantPath(tenant, "/devices"), new CreateDeviceRequest(name), new TypeReference<>() { });
    }

    public List<DeviceInfo> devices(String tenant) {
        return get(tenantPath(tenant, "/devices"), new TypeReference<>() { });
    }

    /** Revokes a device credential: the nats-server refuses it (and drops its connection) from now on. */
    public DeviceInfo revokeDevice(String tenant, long id) {
        return post(tenantPath(tenant, "/devices/" + id + ":revoke"), null, new TypeReference<>() { });
    }

    public EntityList entities(String tenant) {
        return get(tenantPath(tenant, "/entities"), new TypeReference<EntityList>() { });
    }

    public EntityInfo createEntity(String tenant, EntityInfo entity) {
        return post(tenantPath(tenant, "/entities"), entity, new TypeReference<EntityInfo>() { });
    }

    public List<DatapointTypeInfo> datapointTypes(String tenant) {
        return get(tenantPath(tenant, "/datapoint-types"), new TypeReference<List<DatapointTypeInfo>>() { });
    }

    public DatapointTypeInfo createDatapointType(String tenant, DatapointTypeInfo type) {
        return post(tenantPath(tenant, "/datapoint-types"), type, new TypeReference<DatapointTypeInfo>() { });
    }

    /** One page of current values; {@code filter}, {@code limit} (null: 1000) and {@code after} are optional. */
    public Page<CurrentValue> currentValues(String tenant, String filter, Integer limit, String after) {
        return get(tenantPath(tenant, "/current-values") + query("filter", filter, "limit", limit, "after", after),
                new TypeReference<Page<CurrentValue>>() { });
    }

    /**
     * The same page in the compact wire form ({@code format=compact}: arrays, each key's metadata
     * once), decoded into the same records: the shape to use for fleet reads (up to 100,000 rows).
     */
    public Page<CurrentValue> currentValuesCompact(String tenant, String filter, Integer limit, String after) {
        return CompactCurrentValues.read(get(tenantPath(tenant, "/current-values")
                + query("filter", filter, "limit", limit, "after", after, "format", "compact"), new TypeReference<JsonNode>() { }));
    }

    /** Counts of one tenant within the token's scope ({@code GET /api/v1/tenants/{t}/stats}). */
    public TenantStats stats(String tenant) {
        return get(tenantPath(tenant, "/stats"), new TypeReference<TenantStats>() { });
    }

    public List<VariableInfo> variables(String tenant) {
        return get(tenantPath(tenant, "/variables"), new TypeReference<List<VariableInfo>>() { });
    }

    public VariableInfo setVariable(String tenant, VariableRequest request) {
        return post(tenantPath(tenant, "/variables"), request, new TypeReference<VariableInfo>() { });
    }

    /** Decrypts a secret variable (admin; every decrypt leaves an audit_log row). */
    public SecretValue decryptSecret(String tenant, long variableId) {
        return post(tenantPath(tenant, "/variables/" + variableId + ":decrypt"), null, new TypeReference<SecretValue>() { });
    }

    public SeriesHistory seriesHistory(String tenant, long seriesId, java.time.OffsetDateTime from,
                                       java.time.OffsetDateTime to, Integer limit) {
        return get(tenantPath(tenant, "/series/" + seriesId + "/datapoints") + query("from", from, "to", to, "limit", limit),
                new TypeReference<SeriesHistory>() { });
    }

    /** Min, max, avg, count, first and last per bucket of a metric series, across hot and cold; bucket like 1h or 1d (null: chosen). */
    public SeriesAggregates seriesAggregates(String tenant, long seriesId, java.time.OffsetDateTime from,
                                             java.time.OffsetDateTime to, String bucket) {
        return get(tenantPath(tenant, "/series/" + seriesId + "/aggregates") + query("from", from, "to", to, "bucket", bucket),
                new TypeReference<SeriesAggregates>() { });
    }

    /** The same for every metric series the filter selects (fleet charts). */
    public FleetAggregates aggregates(String tenant, String filter, java.time.OffsetDateTime from,
                                      java.time.OffsetDateTime to, String bucket) {
        return get(tenantPath(tenant, "/aggregates") + query("filter", filter, "from", from, "to", to, "bucket", bucket),
                new TypeReference<FleetAggregates>() { });
    }

    public Page<AuditEntry> auditLog(String tenant, String filter, Integer limit, String after) {
        return get(tenantPath(tenant, "/audit-log") + query("filter", filter, "limit", limit, "after", after),
                new TypeReference<Page<AuditEntry>>() { });
    }

    /** {@code tenant} null: every tenant (admin) or the token's own tenant. */
    public LatencyHeatmap latencyHeatmap(String tenant, Integer hours) {
        return get("/api/v1/latency-heatmap" + query("tenant", tenant, "hours", hours),
                new TypeReference<LatencyHeatmap>() { });
    }

    /**
     * Subscribes to the live feed ({@code GET /api/v1/tenants/{t}/live}); {@code onEvent} gets each
     * event's name ({@code change} or {@code value}) and data (see {@link #liveEvent}) on a thread of its own until
     * the stream ends or the returned handle is closed. No reconnect: the console's feed does that.
     */
    public AutoCloseable live(String tenant, java.util.function.BiConsumer<String, String> onEvent) {
        java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicReference<java.io.InputStream> body = new java.util.concurrent.atomic.AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                HttpResponse<java.io.InputStream> r = openLive(tenant, null);
                body.set(r.body());
                if (r.statusCode() != 200 || closed.get()) {
                    r.body().close();
                    return;
                }
                ServerSentEvents.read(r.body(), null, e -> onEvent.accept(e.name(), e.data()), closed::get);
            } catch (IOException e) {
                // the stream ended or was closed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "og-client-live");
        reader.setDaemon(true);
        reader.start();
        return () -> {
            closed.set(true);
            java.io.InputStream in = body.get();
            if (in != null) {
                in.close();
            }
            reader.interrupt();
        };
    }

    /**
     * Opens the live feed's event stream, resuming after {@code lastEventId} (null: from now);
     * the caller reads the body with {@link ServerSentEvents#read} and closes it.
     */
    public HttpResponse<java.io.InputStream> openLive(String tenant, String lastEventId) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(cores.current().resolve(tenantPath(tenant, "/live")))
                .header("Accept", "text/event-stream");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        // any core serves the feed (it is read from JetStream), and resumes after the same event id
        return sendFailingOver(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** A live-feed event's data: a {@link LiveValue} for {@code value}, a {@link io.omniglass.api.lane.ChangeMessage} for {@code change}, else null. */
    public static Object liveEvent(ServerSentEvents.Event e) throws IOException {
        return switch (e.name()) {
            case "value" -> JSON.readValue(e.data(), LiveValue.class);
            case "change" -> JSON.readValue(e.data(), io.omniglass.api.lane.ChangeMessage.class);
            default -> null;
        };
    }

    /** The Prometheus text of {@code GET /metrics} (tenant series only for a token that sees them). */
    public String metrics() {
        HttpResponse<String> r = sendForText(request("/metrics").GET().build());
        return r.body();
    }

    /** Hot and cold sizes per table of a tenant (whole-tenant tokens). */
    public StorageInfo storage(String tenant) {
        return get(tenantPath(tenant, "/storage"), new TypeReference<StorageInfo>() { });
    }

    /** The resolved retention policies of every table (or of one table, type and owner). */
    public RetentionInfo retention(String tenant) {
        return get(tenantPath(tenant, "/retention"), new TypeReference<RetentionInfo>() { });
    }

    private static String tenantPath(String tenant, String rest) {
        return "/api/v1/tenants/" + encode(tenant) + rest;
    }

    /** {@code ?k=v&...} of the non-null pairs, URL-encoded. */
    public static String query(Object... kv) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                continue;
            }
            b.append(b.length() == 0 ? '?' : '&').append(kv[i]).append('=').append(encode(kv[i + 1].toString()));
        }
        return b.toString();
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    // ---------------------------------------------------------------- alarms, event rules, lineage

    /** Alarms of a tenant; {@code filter} in the filter language (null: all), {@code after} the previous page's {@code next}. */
    public AlarmPage alarms(String tenant, String filter, Integer limit, String after) {
        return get(tenantPath(tenant, "/alarms") + query("filter", filter, "limit", limit, "after", after),
                new TypeReference<AlarmPage>() { });
    }

    public AlarmInfo unsnoozeAlarm(String tenant, long id) {
        return post(tenantPath(tenant, "/alarms/" + id) + ":unsnooze", new AlarmCommand(null, null, null),
                new TypeReference<AlarmInfo>() { });
    }

    public List<AlarmResult> ackAlarms(String tenant, List<Long> ids, String reason) {
        return post(tenantPath(tenant, "/alarms:ack"), new AlarmCommand(ids, reason, null),
                new TypeReference<List<AlarmResult>>() { });
    }

    public List<AlarmResult> snoozeAlarms(String tenant, List<Long> ids, java.time.OffsetDateTime until, String reason) {
        return post(tenantPath(tenant, "/alarms:snooze"), new AlarmCommand(ids, reason, until),
                new TypeReference<List<AlarmResult>>() { });
    }

    /** The alarm's most similar past occurrences (pgvector); {@code filter} in the filter language, null for none. */
    public SimilarAlarms similarAlarms(String tenant, long id, Integer limit, String filter) {
        return get(tenantPath(tenant, "/alarms/" + id + "/similar") + query("limit", limit, "filter", filter),
                new TypeReference<SimilarAlarms>() { });
    }

    public EventRuleInfo createEventRule(String tenant, EventRuleRequest rule) {
        return post(tenantPath(tenant, "/event-rules"), rule, new TypeReference<EventRuleInfo>() { });
    }

    /** The lineage of one datapoint ({@code kind} metric, state or log). */
    public LineageGraph lineage(String tenant, String kind, long series, java.time.Instant ts, int depth) {
        return get(tenantPath(tenant, "/lineage/" + encode(kind) + "/" + series + "/" + encode(ts.toString())) + query("depth", depth),
                new TypeReference<LineageGraph>() { });
    }

    /** The lineage of an alarm, event or action ({@code type} alarm, event or action). */
    public LineageGraph lineage(String tenant, String type, long id, int depth) {
        return get(tenantPath(tenant, "/lineage/" + encode(type) + "/" + id) + query("depth", depth),
                new TypeReference<LineageGraph>() { });
    }

    public <T> T get(String path, TypeReference<T> type) {
        return send(request(path).GET().build(), type);
    }

    public <T> T post(String path, Object body, TypeReference<T> type) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(write(body))).build(), type);
    }

    public <T> T put(String path, Object body, TypeReference<T> type) {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(write(body))).build(), type);
    }

    public <T> T delete(String path, TypeReference<T> type) {
        return send(request(path).DELETE().build(), type);
    }

    protected HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(cores.current().resolve(path)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private static String write(Object body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private <T> T send(HttpRequest req, TypeReference<T> type) {
        HttpResponse<String> r = sendForText(req);
        try {
            if (type.getType() == Void.class || r.body().isEmpty()) {
                return null;
            }
            return JSON.readValue(r.body(), type);
        } catch (IOException e) {
            // a body that does not match the records (a field renamed or gone) is the server's
            // contract broken: say which, never hand the console an empty cell
            throw new ApiException(r.statusCode(), new ApiError("bad response", e.getMessage()));
        }
    }

    private HttpResponse<String> sendForText(HttpRequest req) {
        HttpResponse<String> r;
        try {
            r = sendFailingOver(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ApiException(0, new ApiError("unreachable", "cannot reach " + cores.describe() + ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, new ApiError("interrupted", e.toString()));
        }
        if (r.statusCode() / 100 != 2) {
            ApiError err;
            try {
                err = JSON.readValue(r.body(), ApiError.class);
            } catch (IOException e) {
                err = new ApiError("http " + r.statusCode(), r.body());
            }
            throw new ApiException(r.statusCode(), err);
        }
        return r;
    }

    /**
     * Sends to the current core and, when it cannot be reached or is still starting, to the next
     * ones in turn (each once), staying with the first that answers. A request that may have
     * reached a core is sent again elsewhere only when it is safe to repeat: a GET always; any
     * other method only when the connection was refused or never opened (nothing was sent), or
     * the core answered 503 (it refused the request without acting on it).
     */
    private <B> HttpResponse<B> sendFailingOver(HttpRequest req, HttpResponse.BodyHandler<B> body)
            throws IOException, InterruptedException {
        URI first = cores.current();
        IOException failure = null;
        HttpResponse<B> refused = null;
        for (URI core : cores.fromCurrent()) {
            HttpRequest attempt = core.equals(first) ? req
                    : HttpRequest.newBuilder(req, (name, value) -> true).uri(core.resolve(req.uri().getRawPath()
                            + (req.uri().getRawQuery() == null ? "" : "?" + req.uri().getRawQuery()))).build();
            try {
                HttpResponse<B> r = http.send(attempt, body);
                if (r.statusCode() == 503 && cores.size() > 1) {
                    // starting, or impaired: another core may serve it; the first refusal is the answer if none does
                    if (refused == null) {
                        refused = r;
                    } else {
                        closeQuietly(r);
                    }
                    continue;
                }
                if (refused != null) {
                    closeQuietly(refused);
                }
                cores.answered(core);
                return r;
            } catch (IOException e) {
                failure = e;
                if (!"GET".equals(req.method()) && !CoreUrls.neverSent(e)) {
                    throw e; // it may have been received and acted on: the caller decides
                }
            }
        }
        if (refused != null) {
            return refused;
        }
        throw failure;
    }

    private static void closeQuietly(HttpResponse<?> r) {
        if (r.body() instanceof java.io.Closeable c) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing a refused answer's stream: nothing to keep
            }
        }
    }

    // ---- Rules with a backtest (issue 15) ----

    /** The tenant's event rules at their current version. */
    public List<EventRuleInfo> eventRules(String tenant) {
        return get(tenantPath(tenant, "/event-rules"), new TypeReference<List<EventRuleInfo>>() { });
    }

    /** A new version of a rule (fields left null keep their value). */
    public EventRuleInfo updateEventRule(String tenant, long id, EventRuleRequest rule) {
        return put(tenantPath(tenant, "/event-rules/" + id), rule, new TypeReference<EventRuleInfo>() { });
    }

    /**
     * A draft rule over a span of history. Long spans take a while, so the call waits up to five
     * minutes; interrupting the calling thread abandons the exchange, and the core stops the run.
     */
    public EventRuleBacktest backtestEventRule(String tenant, EventRuleBacktestRequest request) {
        return send(request(tenantPath(tenant, "/event-rules:backtest")).timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(write(request))).build(), new TypeReference<EventRuleBacktest>() { });
    }

    /** A non-2xx answer (status 0: the core could not be reached). */
    public static final class ApiException extends RuntimeException {
        private final int status;
        private final ApiError error;

        public ApiException(int status, ApiError error) {
            super(error.error() + (error.detail() == null || error.detail().isEmpty() ? "" : ": " + error.detail()));
            this.status = status;
            this.error = error;
        }

        public int status() {
            return status;
        }

        public ApiError error() {
            return error;
        }
    }

    // ---------------------------------------------------------------- dead letters and the alarm journal (s3-dlq)

    /** A page of the tenant's dead letters; {@code filter} over reason, subject, detail, body (null: all). */
    public DeadLetterPage deadLetters(String tenant, String filter, Integer limit, String after) {
        return get(tenantPath(tenant, "/dead-letters") + query("filter", filter, "limit", limit, "after", after),
                new TypeReference<DeadLetterPage>() { });
    }

    /** Re-drives dead letters onto the data lane; {@code edits} (null: none) replaces the body of some. */
    public List<DeadLetterResult> redriveDeadLetters(String tenant, List<Long> ids,
                                                     java.util.Map<Long, com.fasterxml.jackson.databind.JsonNode> edits,
                                                     String reason) {
        return post(tenantPath(tenant, "/dead-letters:redrive"), new DeadLetterCommand(ids, edits, reason),
                new TypeReference<List<DeadLetterResult>>() { });
    }

    public List<DeadLetterResult> discardDeadLetters(String tenant, List<Long> ids, String reason) {
        return post(tenantPath(tenant, "/dead-letters:discard"), new DeadLetterCommand(ids, null, reason),
                new TypeReference<List<DeadLetterResult>>() { });
    }

    /** Every transition and operator action of one alarm, in time order ({@code from}/{@code to} null: all). */
    public AlarmJournal alarmJournal(String tenant, long alarmId, java.time.OffsetDateTime from, java.time.OffsetDateTime to) {
        return get(tenantPath(tenant, "/alarms/" + alarmId + "/journal") + query("from", from, "to", to),
                new TypeReference<AlarmJournal>() { });
    }

    /** The journal across the alarms the token can see; each filter null for none ({@code owner} may be a glob). */
    public AlarmJournal alarmsJournal(String tenant, String owner, String rule, String operator,
                                      java.time.OffsetDateTime from, java.time.OffsetDateTime to, Integer limit) {
        return get(tenantPath(tenant, "/alarms/journal") + query("owner", owner, "rule", rule, "operator", operator,
                "from", from, "to", to, "limit", limit), new TypeReference<AlarmJournal>() { });
    }

    // ---- fleet health (issue 15, s3-health) ----

    /** The fleet health board: the tenants this token can read, and the deployment ({@code GET /api/v1/fleet/health}). */
    public FleetHealth fleetHealth() {
        return get("/api/v1/fleet/health", new TypeReference<FleetHealth>() { });
    }

    // ---------------------------------------------------------------- plant tree (issue 15, s3-tree)

    /** The children of {@code parent} (an id such as {@code location:site-a}; null: the roots), {@code after} the previous page's {@code next}. */
    public PlantTreePage plantTreeChildren(String tenant, String parent, Integer limit, String after) {
        return get(tenantPath(tenant, "/entities/tree") + query("parent", parent, "limit", limit, "after", after),
                new TypeReference<PlantTreePage>() { });
    }

    /** Entities whose name or display name contains {@code q} (any case), each with its path from the root. */
    public PlantTreePage plantTreeSearch(String tenant, String q, Integer limit) {
        return get(tenantPath(tenant, "/entities/tree") + query("q", q, "limit", limit),
                new TypeReference<PlantTreePage>() { });
    }
}
