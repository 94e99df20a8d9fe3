package io.omniglass.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

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

    public static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final URI base;
    private final String token;
    private final HttpClient http;

    public OmniglassClient(String baseUrl, String token) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl);
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public URI baseUri() {
        return base;
    }

    public String token() {
        return token;
    }

    public HttpClient http() {
        return http;
    }

    public boolean healthy() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/healthz"))
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
        return post("/api/v1/tenants", new CreateTenantRequest(slug, name), new TypeReference<TenantInfo>() { });
    }

    public TokenCreated createToken(CreateTokenRequest request) {
        return post("/api/v1/tokens", request, new TypeReference<TokenCreated>() { });
    }

    // ---------------------------------------------------------------- alarms, event rules, lineage

    /** Alarms of a tenant; {@code filter} in the filter language (null: all), {@code after} the previous page's {@code next}. */
    public AlarmPage alarms(String tenant, String filter, Integer limit, String after) {
        StringBuilder q = new StringBuilder("/api/v1/tenants/" + tenant + "/alarms?");
        if (filter != null) {
            q.append("filter=").append(java.net.URLEncoder.encode(filter, java.nio.charset.StandardCharsets.UTF_8)).append('&');
        }
        if (limit != null) {
            q.append("limit=").append(limit).append('&');
        }
        if (after != null) {
            q.append("after=").append(java.net.URLEncoder.encode(after, java.nio.charset.StandardCharsets.UTF_8));
        }
        return get(q.toString(), new TypeReference<AlarmPage>() { });
    }

    public AlarmInfo ackAlarm(String tenant, long id, String reason) {
        return post("/api/v1/tenants/" + tenant + "/alarms/" + id + ":ack", new AlarmCommand(null, reason, null),
                new TypeReference<AlarmInfo>() { });
    }

    public AlarmInfo snoozeAlarm(String tenant, long id, java.time.OffsetDateTime until, String reason) {
        return post("/api/v1/tenants/" + tenant + "/alarms/" + id + ":snooze", new AlarmCommand(null, reason, until),
                new TypeReference<AlarmInfo>() { });
    }

    public AlarmInfo unsnoozeAlarm(String tenant, long id) {
        return post("/api/v1/tenants/" + tenant + "/alarms/" + id + ":unsnooze", new AlarmCommand(null, null, null),
                new TypeReference<AlarmInfo>() { });
    }

    public List<AlarmResult> ackAlarms(String tenant, List<Long> ids, String reason) {
        return post("/api/v1/tenants/" + tenant + "/alarms:ack", new AlarmCommand(ids, reason, null),
                new TypeReference<List<AlarmResult>>() { });
    }

    public List<AlarmResult> snoozeAlarms(String tenant, List<Long> ids, java.time.OffsetDateTime until, String reason) {
        return post("/api/v1/tenants/" + tenant + "/alarms:snooze", new AlarmCommand(ids, reason, until),
                new TypeReference<List<AlarmResult>>() { });
    }

    public List<EventRuleInfo> eventRules(String tenant) {
        return get("/api/v1/tenants/" + tenant + "/event-rules", new TypeReference<List<EventRuleInfo>>() { });
    }

    public EventRuleInfo createEventRule(String tenant, EventRuleRequest rule) {
        return post("/api/v1/tenants/" + tenant + "/event-rules", rule, new TypeReference<EventRuleInfo>() { });
    }

    public EventRuleInfo updateEventRule(String tenant, long id, EventRuleRequest rule) {
        return put("/api/v1/tenants/" + tenant + "/event-rules/" + id, rule, new TypeReference<EventRuleInfo>() { });
    }

    public void deleteEventRule(String tenant, long id) {
        delete("/api/v1/tenants/" + tenant + "/event-rules/" + id, new TypeReference<Void>() { });
    }

    /** The lineage of one datapoint ({@code kind} metric, state or log). */
    public LineageGraph lineage(String tenant, String kind, long series, java.time.Instant ts, int depth) {
        return get("/api/v1/tenants/" + tenant + "/lineage/" + kind + "/" + series + "/" + ts + "?depth=" + depth,
                new TypeReference<LineageGraph>() { });
    }

    /** The lineage of an alarm, event or action ({@code type} alarm, event or action). */
    public LineageGraph lineage(String tenant, String type, long id, int depth) {
        return get("/api/v1/tenants/" + tenant + "/lineage/" + type + "/" + id + "?depth=" + depth,
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
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
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
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ApiException(0, new ApiError("unreachable", "cannot reach " + base + ": " + e.getMessage()));
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
        try {
            if (type.getType() == Void.class || r.body().isEmpty()) {
                return null;
            }
            return JSON.readValue(r.body(), type);
        } catch (IOException e) {
            throw new ApiException(r.statusCode(), new ApiError("bad response", e.getMessage()));
        }
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
}
