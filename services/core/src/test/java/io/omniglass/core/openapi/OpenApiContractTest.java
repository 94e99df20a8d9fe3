package io.omniglass.core.openapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.omniglass.core.Modules;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;

import javax.sql.DataSource;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 17: the OpenAPI description cannot drift from the server. One real core (embedded
 * Postgres, nats-server, every module) and one tenant; every route Javalin registers is in the
 * document and every documented operation is served; every operation is called for its success
 * and for each error status it documents, and every real answer (status, media type, body) is
 * validated against the document, strictly (a property the document does not list fails).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OpenApiContractTest {

    static final String T = "oa";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final OpenApiDocument DOC = OpenApiDocument.load();
    /** operationId to the statuses a call here received (and validated). */
    static final Map<String, Set<String>> EXERCISED = new ConcurrentHashMap<>();
    static final java.util.concurrent.atomic.AtomicInteger REQUESTS = new java.util.concurrent.atomic.AtomicInteger();
    /**
     * Documented statuses no call here can bring about on a healthy single core, each with why.
     * Every other documented status must be exercised.
     */
    static final Map<String, String> NOT_EXERCISED = Map.of(
            "runMaintenance 409", "another core must hold the tenant's upkeep lease (TieringCrashTest, PartitionUpkeepTest)",
            "decryptVariable 409", "a ciphertext sealed under another core's key (SecretVariablesTest)",
            "similarAlarms 409", "a raise the fingerprint worker has not reached; the route computes it on the spot first",
            "similarAlarms 503", "a tenant Postgres without pgvector (SimilarAlarmsTest starts one)",
            "health 503", "Postgres or NATS unreachable from the core; not brought about here",
            "listDeadLetters 503", "NATS unreachable from the core; not brought about here");

    static TestCore core;
    /** A second Postgres server to register (POST /api/v1/servers connects to it first). */
    static io.omniglass.core.testing.ExtraPostgres pg2;
    static String admin;
    static String tenantAdmin;
    static String operator;
    static String viewer;
    static String otherSystemViewer;
    static String otherSystemOperator;
    static final String BAD = "og_" + "A".repeat(43);
    static long alarmId;
    static long seriesId;
    static Instant pointTs;

    @BeforeAll
    static void start() throws Exception {
        pg2 = io.omniglass.core.testing.ExtraPostgres.start();
        core = TestCore.start(Modules.all());
        Tenant t = core.createTenant(T);
        DataSource db = core.core().context().tenantDataSource(t);
        RulesFixture.importPlant(db, T);
        admin = core.adminToken();
        tenantAdmin = token("admin", T, null);
        operator = token("operator", T, null);
        viewer = token("viewer", T, null);
        otherSystemViewer = token("viewer", T, "system:other");
        otherSystemOperator = token("operator", T, "system:other");
        pointTs = Instant.now().minusSeconds(30).truncatedTo(ChronoUnit.MILLIS);
        // rules load the plant on their next reload; the alarm is raised from the lane
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            RulesFixture.metric(core.core().context().nats(), T, "component:pump-1", "temperature", pointTs, 95.0,
                    "oa-pump-1-" + pointTs, null);
            return RulesFixture.count(db, "SELECT count(*) FROM alarm") > 0;
        });
        alarmId = RulesFixture.count(db, "SELECT max(id) FROM alarm");
        seriesId = RulesFixture.count(db, "SELECT s.id FROM series s JOIN datapoint_type k ON k.id = s.datapoint_type_id"
                + " WHERE s.owner = 'component:pump-1' AND k.name = 'temperature' ORDER BY s.id LIMIT 1");
        await().atMost(Duration.ofSeconds(30)).until(() -> RulesFixture.count(db,
                "SELECT count(*) FROM metric_datapoint WHERE series_id = ?", seriesId) > 0);
    }

    @AfterAll
    static void stop() throws Exception {
        if (core != null) {
            core.close();
        }
        if (pg2 != null) {
            pg2.close();
        }
        String out = System.getProperty("openapi.examples");
        if (out != null) {
            // -Dopenapi.examples=FILE: the first real answer per operation and status, for the document's examples
            JSON.writerWithDefaultPrettyPrinter().writeValue(java.nio.file.Path.of(out).toFile(), SEEN);
        }
    }

    /** "operationId status" (or "operationId request") to the first body seen, when examples are collected. */
    static final Map<String, String> SEEN = new ConcurrentHashMap<>();

    // -- no drift either way --------------------------------------------------------------------

    @Test
    @Order(1)
    void everyRegisteredRouteIsDocumented() {
        List<String> undocumented = new ArrayList<>();
        for (String route : core.core().httpRoutes()) {
            String method = route.substring(0, route.indexOf(' '));
            Pattern served = javalinPattern(route.substring(route.indexOf(' ') + 1));
            boolean documented = DOC.operations().stream().anyMatch(op -> op.method().equalsIgnoreCase(method)
                    && served.matcher(sample(op.path())).matches());
            if (!documented && !UNDOCUMENTED_ON_PURPOSE.contains(route)) {
                undocumented.add(route);
            }
        }
        assertThat(undocumented).as("routes the core serves that openapi.json does not describe").isEmpty();
    }

    /** Served but not part of the public contract, each with why. */
    static final Set<String> UNDOCUMENTED_ON_PURPOSE = Set.of(
            // the CLI's `core migrate` acting through a running core; not an API for clients
            "POST /api/v1/admin/migrate");

    @Test
    @Order(2)
    void everyDocumentedOperationIsServed() {
        List<String> routes = core.core().httpRoutes();
        List<String> unserved = new ArrayList<>();
        for (OpenApiDocument.Operation op : DOC.operations()) {
            String concrete = sample(op.path());
            boolean served = routes.stream().anyMatch(r -> r.startsWith(op.method().toUpperCase() + " ")
                    && javalinPattern(r.substring(r.indexOf(' ') + 1)).matcher(concrete).matches());
            if (!served) {
                unserved.add(op.toString());
            }
        }
        assertThat(unserved).as("operations openapi.json describes that no route serves").isEmpty();
    }

    // -- every operation, each success and documented error, validated ------------------------------

    @TestFactory
    @Order(3)
    Stream<DynamicTest> everyOperationAnswersAsDocumented() {
        Map<String, Runnable> cases = new LinkedHashMap<>();
        cases.put("health", () -> call("health", 200, "GET", "/healthz", null, null));
        cases.put("metrics", () -> {
            call("metrics", 200, "GET", "/metrics", null, null);
            call("metrics", 200, "GET", "/metrics", admin, null);
            call("metrics", 401, "GET", "/metrics", BAD, null);
        });
        cases.put("openApiDocument", () -> call("openApiDocument", 200, "GET", "/api/v1/openapi.json", null, null));
        cases.put("listTenants", () -> {
            call("listTenants", 200, "GET", "/api/v1/tenants", viewer, null);
            call("listTenants", 401, "GET", "/api/v1/tenants", null, null);
        });
        cases.put("createTenant", () -> {
            call("createTenant", 201, "POST", "/api/v1/tenants", admin, "{\"slug\": \"oa_two\", \"name\": \"Second plant\"}");
            call("createTenant", 400, "POST", "/api/v1/tenants", admin, "{\"slug\": \"Not-A-Slug\"}");
            call("createTenant", 401, "POST", "/api/v1/tenants", BAD, "{\"slug\": \"oa_new\"}");
            call("createTenant", 403, "POST", "/api/v1/tenants", tenantAdmin, "{\"slug\": \"oa_new\"}");
            call("createTenant", 409, "POST", "/api/v1/tenants", admin, "{\"slug\": \"" + T + "\"}");
        });
        cases.put("createToken", () -> {
            call("createToken", 201, "POST", "/api/v1/tokens", admin,
                    "{\"role\": \"viewer\", \"tenant\": \"" + T + "\", \"expires\": \"1h\"}");
            call("createToken", 400, "POST", "/api/v1/tokens", admin, "{\"role\": \"king\"}");
            call("createToken", 401, "POST", "/api/v1/tokens", null, "{\"role\": \"viewer\"}");
            call("createToken", 403, "POST", "/api/v1/tokens", viewer, "{\"role\": \"viewer\", \"tenant\": \"" + T + "\"}");
            call("createToken", 404, "POST", "/api/v1/tokens", tenantAdmin, "{\"role\": \"viewer\", \"tenant\": \"nosuch\"}");
        });
        cases.put("listTokens", () -> {
            call("listTokens", 200, "GET", "/api/v1/tokens?limit=2", admin, null);
            call("listTokens", 400, "GET", "/api/v1/tokens?limit=0", admin, null);
            call("listTokens", 401, "GET", "/api/v1/tokens", null, null);
            call("listTokens", 403, "GET", "/api/v1/tokens", operator, null);
        });
        cases.put("listServers", () -> {
            call("listServers", 200, "GET", "/api/v1/servers", admin, null);
            call("listServers", 401, "GET", "/api/v1/servers", null, null);
            call("listServers", 403, "GET", "/api/v1/servers", tenantAdmin, null);
        });
        cases.put("addServer", () -> {
            String body = "{\"name\": \"oa_pg2\", \"jdbc_url\": \"" + pg2.jdbcUrl() + "\", \"user\": \"" + pg2.user()
                    + "\", \"password\": \"" + pg2.password() + "\"}";
            call("addServer", 201, "POST", "/api/v1/servers", admin, body);
            call("addServer", 400, "POST", "/api/v1/servers", admin, "{\"name\": \"Bad Name\", \"jdbc_url\": \"jdbc:postgresql://127.0.0.1:1/\"}");
            call("addServer", 401, "POST", "/api/v1/servers", null, body);
            call("addServer", 403, "POST", "/api/v1/servers", tenantAdmin, body);
            call("addServer", 409, "POST", "/api/v1/servers", admin, body);
        });
        cases.put("drainServer", () -> {
            call("drainServer", 200, "POST", "/api/v1/servers/oa_pg2:drain", admin, null);
            call("drainServer", 401, "POST", "/api/v1/servers/oa_pg2:drain", null, null);
            call("drainServer", 403, "POST", "/api/v1/servers/oa_pg2:drain", tenantAdmin, null);
            call("drainServer", 404, "POST", "/api/v1/servers/nosuch:drain", admin, null);
        });
        cases.put("revokeToken", () -> {
            long id = call("createToken", 201, "POST", "/api/v1/tokens", admin,
                    "{\"role\": \"viewer\", \"tenant\": \"" + T + "\"}").path("id").asLong();
            call("revokeToken", 200, "POST", "/api/v1/tokens/" + id + ":revoke", admin, null);
            call("revokeToken", 400, "POST", "/api/v1/tokens/x:revoke", admin, null);
            call("revokeToken", 401, "POST", "/api/v1/tokens/" + id + ":revoke", null, null);
            call("revokeToken", 403, "POST", "/api/v1/tokens/" + id + ":revoke", viewer, null);
            call("revokeToken", 404, "POST", "/api/v1/tokens/999999:revoke", admin, null);
        });
        tenantReads(cases, "listEntities", "/entities");
        cases.put("createEntity", () -> {
            call("createEntity", 201, "POST", p("/entities"), admin, "{\"kind\": \"location\", \"name\": \"oa-site\"}");
            call("createEntity", 400, "POST", p("/entities"), admin, "{\"kind\": \"planet\", \"name\": \"x\"}");
            call("createEntity", 401, "POST", p("/entities"), null, "{\"kind\": \"location\", \"name\": \"x\"}");
            call("createEntity", 403, "POST", p("/entities"), viewer, "{\"kind\": \"location\", \"name\": \"x\"}");
            call("createEntity", 404, "POST", "/api/v1/tenants/nosuch/entities", admin, "{\"kind\": \"location\", \"name\": \"x\"}");
        });
        cases.put("plantTree", () -> {
            call("plantTree", 200, "GET", p("/entities/tree"), viewer, null);
            call("plantTree", 200, "GET", p("/entities/tree?limit=1&parent=" + enc("system:loop")), viewer, null);
            call("plantTree", 200, "GET", p("/entities/tree?parent=" + enc("component:pump-1")), viewer, null);
            call("plantTree", 200, "GET", p("/entities/tree?limit=1&q=pump"), viewer, null);
            call("plantTree", 400, "GET", p("/entities/tree?parent=pump-1"), viewer, null);
            call("plantTree", 401, "GET", p("/entities/tree"), null, null);
            call("plantTree", 404, "GET", p("/entities/tree?parent=" + enc("system:loop")), otherSystemViewer, null);
            call("plantTree", 404, "GET", "/api/v1/tenants/nosuch/entities/tree", viewer, null);
        });
        tenantReads(cases, "listDatapointTypes", "/datapoint-types");
        cases.put("createDatapointType", () -> {
            call("createDatapointType", 201, "POST", p("/datapoint-types"), admin, "{\"name\": \"oa_flow\", \"kind\": \"metric\", \"unit\": \"m3/h\"}");
            call("createDatapointType", 400, "POST", p("/datapoint-types"), admin, "{\"name\": \"flow2\", \"kind\": \"colour\"}");
            call("createDatapointType", 401, "POST", p("/datapoint-types"), null, "{\"name\": \"f\", \"kind\": \"metric\"}");
            call("createDatapointType", 403, "POST", p("/datapoint-types"), viewer, "{\"name\": \"f\", \"kind\": \"metric\"}");
            call("createDatapointType", 404, "POST", "/api/v1/tenants/nosuch/datapoint-types", admin, "{\"name\": \"f\", \"kind\": \"metric\"}");
        });
        cases.put("importPlant", () -> {
            call("importPlant", 200, "POST", p("/import"), admin, "{\"locations\": [{\"name\": \"oa-import\"}]}");
            call("importPlant", 400, "POST", p("/import"), admin, "{\"components\": [{\"name\": \"c\", \"type\": \"pump\", \"system\": \"nowhere\"}]}");
            call("importPlant", 401, "POST", p("/import"), null, "{}");
            call("importPlant", 403, "POST", p("/import"), operator, "{}");
            call("importPlant", 404, "POST", "/api/v1/tenants/nosuch/import", admin, "{}");
        });
        filteredList(cases, "listCurrentValues", "/current-values", "key = temperature");
        cases.put("listCurrentValues compact", () -> call("listCurrentValues", 200, "GET",
                p("/current-values?format=compact&limit=5&filter=" + enc("owner ~ \"pump-*\"")), viewer, null));
        cases.put("fleetHealth", () -> {
            call("fleetHealth", 200, "GET", "/api/v1/fleet/health", admin, null);
            call("fleetHealth", 200, "GET", "/api/v1/fleet/health", viewer, null);
            call("fleetHealth", 401, "GET", "/api/v1/fleet/health", null, null);
        });
        cases.put("tenantStats", () -> {
            call("tenantStats", 200, "GET", p("/stats"), viewer, null);
            call("tenantStats", 401, "GET", p("/stats"), null, null);
            call("tenantStats", 404, "GET", "/api/v1/tenants/nosuch/stats", viewer, null);
        });
        cases.put("seriesHistory", () -> {
            String q = "?from=" + enc(pointTs.minusSeconds(60).toString()) + "&to=" + enc(Instant.now().plusSeconds(60).toString());
            call("seriesHistory", 200, "GET", p("/series/" + seriesId + "/datapoints" + q), viewer, null);
            call("seriesHistory", 400, "GET", p("/series/" + seriesId + "/datapoints?from=yesterday"), viewer, null);
            call("seriesHistory", 401, "GET", p("/series/" + seriesId + "/datapoints"), null, null);
            call("seriesHistory", 404, "GET", p("/series/" + seriesId + "/datapoints"), otherSystemViewer, null);
        });
        filteredList(cases, "listAlarms", "/alarms", "state = active");
        cases.put("getAlarm", () -> {
            call("getAlarm", 200, "GET", p("/alarms/" + alarmId), viewer, null);
            call("getAlarm", 400, "GET", p("/alarms/x"), viewer, null);
            call("getAlarm", 401, "GET", p("/alarms/" + alarmId), null, null);
            call("getAlarm", 404, "GET", p("/alarms/" + alarmId), otherSystemViewer, null);
        });
        cases.put("ackAlarm", () -> alarmCommand("ackAlarm", ":ack", "{\"reason\": \"seen\"}"));
        cases.put("snoozeAlarm", () -> alarmCommand("snoozeAlarm", ":snooze",
                "{\"until\": \"" + Instant.now().plus(1, ChronoUnit.HOURS) + "\", \"reason\": \"maintenance\"}"));
        cases.put("unsnoozeAlarm", () -> alarmCommand("unsnoozeAlarm", ":unsnooze", null));
        cases.put("ackAlarms", () -> bulk("ackAlarms", ":ack", "{\"ids\": [" + alarmId + ", 999999], \"reason\": \"seen\"}"));
        cases.put("snoozeAlarms", () -> bulk("snoozeAlarms", ":snooze", "{\"ids\": [" + alarmId + "], \"until\": \""
                + Instant.now().plus(1, ChronoUnit.HOURS) + "\", \"reason\": \"maintenance\"}"));
        cases.put("similarAlarms", () -> {
            call("similarAlarms", 200, "GET", p("/alarms/" + alarmId + "/similar?limit=5"), viewer, null);
            call("similarAlarms", 400, "GET", p("/alarms/" + alarmId + "/similar?filter=" + enc("colour = red")), viewer, null);
            call("similarAlarms", 401, "GET", p("/alarms/" + alarmId + "/similar"), null, null);
            call("similarAlarms", 404, "GET", p("/alarms/" + alarmId + "/similar"), otherSystemViewer, null);
        });
        cases.put("datapointLineage", () -> {
            String base = p("/lineage/metric/" + seriesId + "/");
            call("datapointLineage", 200, "GET", base + pointTs + "?depth=2", viewer, null);
            call("datapointLineage", 400, "GET", p("/lineage/colour/" + seriesId + "/" + pointTs), viewer, null);
            call("datapointLineage", 401, "GET", base + pointTs, null, null);
            call("datapointLineage", 404, "GET", base + pointTs.minusSeconds(3600), viewer, null);
        });
        cases.put("recordLineage", () -> {
            call("recordLineage", 200, "GET", p("/lineage/alarm/" + alarmId), viewer, null);
            call("recordLineage", 400, "GET", p("/lineage/alarm/x"), viewer, null);
            call("recordLineage", 401, "GET", p("/lineage/alarm/" + alarmId), null, null);
            call("recordLineage", 404, "GET", p("/lineage/alarm/999999"), viewer, null);
        });
        tenantReads(cases, "listEventRules", "/event-rules");
        cases.put("createEventRule", () -> {
            call("createEventRule", 201, "POST", p("/event-rules"), admin, rule("oa-level-low"));
            call("createEventRule", 400, "POST", p("/event-rules"), admin, "{\"name\": \"x\", \"selector\": \"component:*\", \"key\": \"level\", \"condition\": {\"type\": \"nope\"}}");
            call("createEventRule", 401, "POST", p("/event-rules"), null, rule("x"));
            call("createEventRule", 403, "POST", p("/event-rules"), operator, rule("x"));
            call("createEventRule", 404, "POST", "/api/v1/tenants/nosuch/event-rules", admin, rule("x"));
        });
        cases.put("backtestEventRule", () -> {
            String span = ", \"from\": \"" + pointTs.minusSeconds(3600) + "\", \"to\": \"" + pointTs.plusSeconds(60) + "\"";
            String draft = "{\"rule\": {\"name\": \"oa-draft\", \"selector\": \"component:pump-*\", \"key\": \"temperature\","
                    + " \"condition\": {\"type\": \"high\", \"threshold\": 85, \"deadband\": 5}, \"severity\": \"error\"}" + span + "}";
            JsonNode b = call("backtestEventRule", 200, "POST", p("/event-rules:backtest"), admin, draft);
            assertThat(b.path("raises").asInt()).as("the pump-1 datapoint above 85 raises the draft").isPositive();
            call("backtestEventRule", 400, "POST", p("/event-rules:backtest"), admin,
                    "{\"rule\": {\"name\": \"x\", \"selector\": \"component:*\", \"key\": \"level\", \"condition\": {\"type\": \"nope\"}}" + span + "}");
            call("backtestEventRule", 401, "POST", p("/event-rules:backtest"), null, draft);
            call("backtestEventRule", 403, "POST", p("/event-rules:backtest"), operator, draft);
            call("backtestEventRule", 404, "POST", "/api/v1/tenants/nosuch/event-rules:backtest", admin, draft);
        });
        cases.put("getEventRule", () -> {
            long id = ruleId("oa-level-low");
            call("getEventRule", 200, "GET", p("/event-rules/" + id), viewer, null);
            call("getEventRule", 400, "GET", p("/event-rules/x"), viewer, null);
            call("getEventRule", 401, "GET", p("/event-rules/" + id), null, null);
            call("getEventRule", 404, "GET", p("/event-rules/999999"), viewer, null);
        });
        cases.put("updateEventRule", () -> {
            long id = ruleId("oa-level-low");
            call("updateEventRule", 200, "PUT", p("/event-rules/" + id), admin, rule("oa-level-low"));
            call("updateEventRule", 400, "PUT", p("/event-rules/" + id), admin, "{\"name\": \"oa-level-low\", \"condition\": {\"type\": \"nope\"}}");
            call("updateEventRule", 401, "PUT", p("/event-rules/" + id), null, rule("oa-level-low"));
            call("updateEventRule", 403, "PUT", p("/event-rules/" + id), operator, rule("oa-level-low"));
            call("updateEventRule", 404, "PUT", p("/event-rules/999999"), admin, rule("oa-level-low"));
        });
        cases.put("deleteEventRule", () -> {
            long id = ruleId("oa-level-low");
            call("deleteEventRule", 400, "DELETE", p("/event-rules/x"), admin, null);
            call("deleteEventRule", 401, "DELETE", p("/event-rules/" + id), null, null);
            call("deleteEventRule", 403, "DELETE", p("/event-rules/" + id), operator, null);
            call("deleteEventRule", 204, "DELETE", p("/event-rules/" + id), admin, null);
            call("deleteEventRule", 404, "DELETE", p("/event-rules/999999"), admin, null);
        });
        filteredList(cases, "listAuditLog", "/audit-log", "verb = alarm.ack");
        cases.put("listAuditLog 403", () -> call("listAuditLog", 403, "GET", p("/audit-log"), viewer, null));
        cases.put("latencyHeatmap", () -> {
            call("latencyHeatmap", 200, "GET", "/api/v1/latency-heatmap?tenant=" + T + "&hours=2", viewer, null);
            call("latencyHeatmap", 400, "GET", "/api/v1/latency-heatmap?hours=1000", viewer, null);
            call("latencyHeatmap", 401, "GET", "/api/v1/latency-heatmap", null, null);
            call("latencyHeatmap", 404, "GET", "/api/v1/latency-heatmap?tenant=nosuch", viewer, null);
        });
        cases.put("listVariables", () -> {
            call("listVariables", 200, "GET", p("/variables"), viewer, null);
            call("listVariables", 401, "GET", p("/variables"), null, null);
            call("listVariables", 404, "GET", "/api/v1/tenants/nosuch/variables", viewer, null);
        });
        cases.put("setVariable", () -> {
            String plain = "{\"name\": \"oa_speed\", \"owner\": \"component:pump-1\", \"variable_type\": \"setpoint\", \"value\": {\"rpm\": 1400}}";
            call("setVariable", 201, "POST", p("/variables"), admin, plain);
            call("setVariable", 200, "POST", p("/variables"), admin, plain);
            call("setVariable", 400, "POST", p("/variables"), admin, "{\"name\": \"oa_bad\", \"owner\": \"component:pump-1\"}");
            call("setVariable", 401, "POST", p("/variables"), null, plain);
            call("setVariable", 403, "POST", p("/variables"), viewer, plain);
            call("setVariable", 404, "POST", "/api/v1/tenants/nosuch/variables", admin, plain);
        });
        cases.put("decryptVariable", () -> {
            long id = call("setVariable", 201, "POST", p("/variables"), admin,
                    "{\"name\": \"oa_login\", \"owner\": \"component:pump-1\", \"variable_type\": \"credential\", \"secret\": \"hunter2\"}")
                    .path("id").asLong();
            call("decryptVariable", 200, "POST", p("/variables/" + id + ":decrypt"), admin, null);
            call("decryptVariable", 400, "POST", p("/variables/x:decrypt"), admin, null);
            call("decryptVariable", 401, "POST", p("/variables/" + id + ":decrypt"), null, null);
            call("decryptVariable", 403, "POST", p("/variables/" + id + ":decrypt"), viewer, null);
            call("decryptVariable", 404, "POST", p("/variables/999999:decrypt"), admin, null);
        });
        cases.put("setSecretExpiry", () -> {
            long id = call("setVariable", 201, "POST", p("/variables"), admin,
                    "{\"name\": \"oa_key\", \"owner\": \"component:pump-1\", \"variable_type\": \"credential\", \"secret\": \"k\"}")
                    .path("id").asLong();
            String soon = "{\"expiresAt\": \"" + Instant.now().plus(30, ChronoUnit.DAYS) + "\"}";
            call("setSecretExpiry", 200, "PUT", p("/variables/" + id + "/expiry"), admin, soon);
            call("setSecretExpiry", 400, "PUT", p("/variables/" + id + "/expiry"), admin, "{\"expiresAt\": \"soon\"}");
            call("setSecretExpiry", 401, "PUT", p("/variables/" + id + "/expiry"), null, soon);
            call("setSecretExpiry", 403, "PUT", p("/variables/" + id + "/expiry"), viewer, soon);
            call("setSecretExpiry", 404, "PUT", p("/variables/999999/expiry"), admin, soon);
            call("setSecretExpiry", 200, "PUT", p("/variables/" + id + "/expiry"), admin,
                    "{\"expiresAt\": \"" + Instant.now().minusSeconds(60) + "\"}");
            call("setSecretExpiry", 410, "PUT", p("/variables/" + id + "/expiry"), admin, soon);
            call("decryptVariable", 410, "POST", p("/variables/" + id + ":decrypt"), admin, null);
        });
        cases.put("listDevices", () -> {
            call("listDevices", 200, "GET", p("/devices"), tenantAdmin, null);
            call("listDevices", 401, "GET", p("/devices"), null, null);
            call("listDevices", 403, "GET", p("/devices"), viewer, null);
            call("listDevices", 404, "GET", "/api/v1/tenants/nosuch/devices", admin, null);
        });
        cases.put("createDevice", () -> {
            call("createDevice", 201, "POST", p("/devices"), tenantAdmin, "{\"name\": \"oa-plc\"}");
            call("createDevice", 409, "POST", p("/devices"), tenantAdmin, "{\"name\": \"oa-plc\"}");
            call("createDevice", 400, "POST", p("/devices"), tenantAdmin, "{\"name\": \"-bad name\"}");
            call("createDevice", 401, "POST", p("/devices"), null, "{\"name\": \"oa-plc2\"}");
            call("createDevice", 403, "POST", p("/devices"), operator, "{\"name\": \"oa-plc2\"}");
            call("createDevice", 404, "POST", "/api/v1/tenants/nosuch/devices", admin, "{\"name\": \"oa-plc2\"}");
        });
        cases.put("revokeDevice", () -> {
            long id = call("createDevice", 201, "POST", p("/devices"), tenantAdmin, "{\"name\": \"oa-plc3\"}")
                    .path("device").path("id").asLong();
            call("revokeDevice", 200, "POST", p("/devices/" + id + ":revoke"), tenantAdmin, null);
            call("revokeDevice", 400, "POST", p("/devices/x:revoke"), tenantAdmin, null);
            call("revokeDevice", 401, "POST", p("/devices/" + id + ":revoke"), null, null);
            call("revokeDevice", 403, "POST", p("/devices/" + id + ":revoke"), viewer, null);
            call("revokeDevice", 404, "POST", p("/devices/999999:revoke"), tenantAdmin, null);
        });
        cases.put("getRetention", () -> {
            call("getRetention", 200, "GET", p("/retention"), viewer, null);
            call("getRetention", 400, "GET", p("/retention?type=temperature"), viewer, null);
            call("getRetention", 401, "GET", p("/retention"), null, null);
            call("getRetention", 403, "GET", p("/retention"), otherSystemViewer, null);
            call("getRetention", 404, "GET", "/api/v1/tenants/nosuch/retention", viewer, null);
        });
        cases.put("setRetention", () -> {
            String body = "{\"table\": \"metric_datapoint\", \"type\": \"temperature\", \"hot\": \"30d\", \"keep\": \"400d\", \"tier\": \"parquet\"}";
            call("setRetention", 200, "PUT", p("/retention"), admin, body);
            call("setRetention", 400, "PUT", p("/retention"), admin, "{\"table\": \"metric_datapoint\", \"type\": \"nosuch\", \"hot\": \"30d\"}");
            call("setRetention", 401, "PUT", p("/retention"), null, body);
            call("setRetention", 403, "PUT", p("/retention"), viewer, body);
            call("setRetention", 404, "PUT", "/api/v1/tenants/nosuch/retention", admin, body);
        });
        cases.put("runMaintenance", () -> {
            call("runMaintenance", 200, "POST", p("/maintenance"), admin, null);
            call("runMaintenance", 401, "POST", p("/maintenance"), null, null);
            call("runMaintenance", 403, "POST", p("/maintenance"), operator, null);
            call("runMaintenance", 404, "POST", "/api/v1/tenants/nosuch/maintenance", admin, null);
        });
        cases.put("storageReport", () -> {
            call("storageReport", 200, "GET", p("/storage"), viewer, null);
            call("storageReport", 401, "GET", p("/storage"), null, null);
            call("storageReport", 403, "GET", p("/storage"), otherSystemViewer, null);
            call("storageReport", 404, "GET", "/api/v1/tenants/nosuch/storage", viewer, null);
        });
        String span = "from=" + enc(pointTs.minus(1, ChronoUnit.HOURS).toString()) + "&to=" + enc(Instant.now().plusSeconds(60).toString());
        cases.put("seriesAggregates", () -> {
            call("seriesAggregates", 200, "GET", p("/series/" + seriesId + "/aggregates?" + span + "&bucket=1h"), viewer, null);
            call("seriesAggregates", 400, "GET", p("/series/" + seriesId + "/aggregates?" + span + "&bucket=fortnightly"), viewer, null);
            call("seriesAggregates", 401, "GET", p("/series/" + seriesId + "/aggregates?" + span), null, null);
            call("seriesAggregates", 404, "GET", p("/series/" + seriesId + "/aggregates?" + span), otherSystemViewer, null);
        });
        cases.put("fleetAggregates", () -> {
            String f = "&filter=" + enc("key = temperature") + "&bucket=1h";
            call("fleetAggregates", 200, "GET", p("/aggregates?" + span + f), viewer, null);
            call("fleetAggregates", 400, "GET", p("/aggregates?" + span + "&filter=" + enc("colour = red")), viewer, null);
            call("fleetAggregates", 401, "GET", p("/aggregates?" + span + f), null, null);
            call("fleetAggregates", 404, "GET", "/api/v1/tenants/nosuch/aggregates?" + span + f, viewer, null);
        });
        // -- dead letters and the alarm journal (s3-dlq)
        cases.put("listDeadLetters", () -> {
            deadLetter("{oa bad 1");
            deadLetter("{oa bad 2");
            JsonNode page = call("listDeadLetters", 200, "GET", p("/dead-letters?limit=1&filter=" + enc("reason = bad_json")), viewer, null);
            call("listDeadLetters", 200, "GET", p("/dead-letters?limit=1&after=" + page.get("next").asText()), viewer, null);
            call("listDeadLetters", 400, "GET", p("/dead-letters?filter=" + enc("colour = red")), viewer, null);
            call("listDeadLetters", 401, "GET", p("/dead-letters"), null, null);
            call("listDeadLetters", 403, "GET", p("/dead-letters"), otherSystemViewer, null);
            call("listDeadLetters", 404, "GET", "/api/v1/tenants/nosuch/dead-letters", viewer, null);
        });
        cases.put("redriveDeadLetters", () -> {
            String body = "{\"ids\": [" + deadLetter("{oa redrive") + ", 999999], \"reason\": \"fixed\"}";
            call("redriveDeadLetters", 200, "POST", p("/dead-letters:redrive"), operator, body);
            call("redriveDeadLetters", 400, "POST", p("/dead-letters:redrive"), operator, "{\"ids\": []}");
            call("redriveDeadLetters", 401, "POST", p("/dead-letters:redrive"), null, body);
            call("redriveDeadLetters", 403, "POST", p("/dead-letters:redrive"), viewer, body);
            call("redriveDeadLetters", 404, "POST", "/api/v1/tenants/nosuch/dead-letters:redrive", operator, body);
        });
        cases.put("discardDeadLetters", () -> {
            String body = "{\"ids\": [" + deadLetter("{oa discard") + "], \"reason\": \"test rig\"}";
            call("discardDeadLetters", 200, "POST", p("/dead-letters:discard"), operator, body);
            call("discardDeadLetters", 400, "POST", p("/dead-letters:discard"), operator, "{\"ids\": [1]}");
            call("discardDeadLetters", 401, "POST", p("/dead-letters:discard"), null, body);
            call("discardDeadLetters", 403, "POST", p("/dead-letters:discard"), viewer, body);
            call("discardDeadLetters", 404, "POST", "/api/v1/tenants/nosuch/dead-letters:discard", operator, body);
        });
        cases.put("alarmJournal", () -> {
            call("alarmJournal", 200, "GET", p("/alarms/" + alarmId + "/journal"), viewer, null);
            call("alarmJournal", 400, "GET", p("/alarms/x/journal"), viewer, null);
            call("alarmJournal", 401, "GET", p("/alarms/" + alarmId + "/journal"), null, null);
            call("alarmJournal", 404, "GET", p("/alarms/" + alarmId + "/journal"), otherSystemViewer, null);
        });
        cases.put("alarmsJournal", () -> {
            call("alarmsJournal", 200, "GET", p("/alarms/journal?owner=" + enc("component:pump-*") + "&limit=10"), viewer, null);
            call("alarmsJournal", 400, "GET", p("/alarms/journal?from=yesterday"), viewer, null);
            call("alarmsJournal", 401, "GET", p("/alarms/journal"), null, null);
            call("alarmsJournal", 404, "GET", "/api/v1/tenants/nosuch/alarms/journal", viewer, null);
        });
        cases.put("liveFeed", OpenApiContractTest::liveFeed);
        return cases.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), e.getValue()::run));
    }

    @Test
    @Order(4)
    void everyDocumentedStatusWasExercised() {
        Map<String, List<String>> missing = new TreeMap<>();
        for (OpenApiDocument.Operation op : DOC.operations()) {
            Set<String> got = EXERCISED.getOrDefault(op.id(), Set.of());
            for (String status : op.statuses()) {
                if (!got.contains(status) && !NOT_EXERCISED.containsKey(op.id() + " " + status)) {
                    missing.computeIfAbsent(op.id(), k -> new ArrayList<>()).add(status);
                }
            }
        }
        assertThat(missing).as("documented statuses no call here received (add a case, or fix the document)").isEmpty();
        System.out.printf("OpenApiContractTest: %d requests validated over %d operations%n", REQUESTS.get(), EXERCISED.size());
    }

    /**
     * What a reader and a generator rely on: servers, a unique operationId and a summary on every
     * operation, at least one 4xx answered with the Error schema (health and the document itself
     * have no client error), and an example on every JSON body that validates against its schema.
     */
    @Test
    @Order(5)
    void everyOperationHasAnIdErrorsAndExamples() {
        JsonNode root = DOC.root();
        assertThat(root.path("servers").size()).as("servers").isPositive();
        List<String> problems = new ArrayList<>();
        Set<String> ids = new TreeSet<>();
        for (OpenApiDocument.Operation op : DOC.operations()) {
            if (op.id() == null || !ids.add(op.id())) {
                problems.add(op + ": no operationId, or one used twice");
            }
            if (op.node().path("summary").asText("").isBlank()) {
                problems.add(op + ": no summary");
            }
            String where = "/paths/" + OpenApiDocument.escape(op.path()) + "/" + op.method();
            boolean clientError = false;
            for (String status : op.statuses()) {
                String pointer = where + "/responses/" + status;
                JsonNode response = root.at(pointer);
                if (response.has("$ref")) {
                    pointer = response.get("$ref").asText().substring(1);
                    response = root.at(pointer);
                }
                JsonNode json = response.path("content").path("application/json");
                if (status.startsWith("4")) {
                    clientError = true;
                    if (!json.path("schema").path("$ref").asText().equals("#/components/schemas/Error")) {
                        problems.add(op + " " + status + ": not answered with the Error schema");
                    }
                }
                problems.addAll(exampleProblems(op + " " + status, pointer + "/content/application~1json", json));
                response.path("content").fields().forEachRemaining(m -> {
                    if (!m.getValue().has("example") && !m.getValue().has("examples")) {
                        problems.add(op + " " + status + " " + m.getKey() + ": no example");
                    }
                });
            }
            if (!clientError && !Set.of("health", "openApiDocument").contains(op.id())) {
                problems.add(op + ": no 4xx answer documented");
            }
            JsonNode request = op.node().path("requestBody").path("content").path("application/json");
            problems.addAll(exampleProblems(op + " request", where + "/requestBody/content/application~1json", request));
        }
        assertThat(problems).isEmpty();
    }

    static List<String> exampleProblems(String what, String mediaPointer, JsonNode media) {
        if (media.isMissingNode()) {
            return List.of();
        }
        if (!media.has("example")) {
            return List.of(what + ": no example");
        }
        return DOC.problems(mediaPointer + "/schema", media.get("example"));
    }

    // -- the cases' building blocks -----------------------------------------------------------------

    /** Publishes an unreadable message on the data lane and returns its dead letter's id once the sink has refused it. */
    static long deadLetter(String body) {
        try {
            RulesFixture.publish(core.core().context().nats(), io.omniglass.core.tenancy.TenantStreams.dataSubject(T, "metric"),
                    body, null, null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        long[] id = {0};
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode page = JSON.readTree(send("GET", p("/dead-letters?limit=1000&filter=" + enc("body = \"" + body + "\"")), operator, null).body());
            if (page.path("items").size() == 0) {
                return false;
            }
            id[0] = page.get("items").get(0).get("id").asLong();
            return true;
        });
        return id[0];
    }

    /** A tenant-wide read: 200, 401 without a token, 404 for a tenant the token cannot see. */
    static void tenantReads(Map<String, Runnable> cases, String op, String suffix) {
        cases.put(op, () -> {
            call(op, 200, "GET", p(suffix), viewer, null);
            call(op, 401, "GET", p(suffix), null, null);
            call(op, 404, "GET", "/api/v1/tenants/nosuch" + suffix, viewer, null);
            documentedOnly(op, 400, () -> call(op, 400, "GET", p(suffix + "?limit=-1"), viewer, null));
        });
    }

    /** A filtered, keyset-paginated list: a page and the next one, a bad filter, and the usual errors. */
    static void filteredList(Map<String, Runnable> cases, String op, String suffix, String filter) {
        cases.put(op, () -> {
            JsonNode page = call(op, 200, "GET", p(suffix + "?limit=1&filter=" + enc(filter)), operator, null);
            if (page.hasNonNull("next")) {
                call(op, 200, "GET", p(suffix + "?limit=1&filter=" + enc(filter) + "&after=" + enc(page.get("next").asText())), operator, null);
            }
            call(op, 400, "GET", p(suffix + "?filter=" + enc("colour = red")), operator, null);
            call(op, 401, "GET", p(suffix), null, null);
            call(op, 404, "GET", "/api/v1/tenants/nosuch" + suffix, operator, null);
        });
    }

    static void alarmCommand(String op, String verb, String body) {
        call(op, 200, "POST", p("/alarms/" + alarmId + verb), operator, body);
        call(op, 400, "POST", p("/alarms/x" + verb), operator, body);
        call(op, 401, "POST", p("/alarms/" + alarmId + verb), null, body);
        call(op, 403, "POST", p("/alarms/" + alarmId + verb), viewer, body);
        call(op, 404, "POST", p("/alarms/" + alarmId + verb), otherSystemOperator, body);
    }

    static void bulk(String op, String verb, String body) {
        call(op, 200, "POST", p("/alarms" + verb), operator, body);
        call(op, 400, "POST", p("/alarms" + verb), operator, "{\"ids\": \"all\"}");
        call(op, 401, "POST", p("/alarms" + verb), null, body);
        call(op, 403, "POST", p("/alarms" + verb), viewer, body);
        call(op, 404, "POST", "/api/v1/tenants/nosuch/alarms" + verb, operator, body);
    }

    /** SSE: the stream opens as documented, and a fifth stream of one principal is refused (429). */
    static void liveFeed() {
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                HttpResponse<InputStream> r = stream(viewer);
                open.add(r);
                validated("liveFeed", r.statusCode(), r.headers().firstValue("content-type").orElse(null), "");
                assertThat(r.statusCode()).isEqualTo(200);
            }
            call("liveFeed", 429, "GET", p("/live"), viewer, null);
        } finally {
            open.forEach(r -> {
                try {
                    r.body().close();
                } catch (Exception ignored) {
                    // closing our end is all that is needed
                }
            });
        }
        call("liveFeed", 401, "GET", p("/live"), null, null);
        call("liveFeed", 404, "GET", "/api/v1/tenants/nosuch/live", admin, null);
        documentedOnly("liveFeed", 400, () -> call("liveFeed", 400, "GET", "/api/v1/tenants/Bad-Slug/live", admin, null));
    }

    static HttpResponse<InputStream> stream(String token) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(core.httpUrl() + p("/live")))
                    .header("Accept", "text/event-stream").GET();
            b.header("Authorization", "Bearer " + token);
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a case only when the document lists that status (the case shows what the server does then). */
    static void documentedOnly(String op, int status, Runnable r) {
        boolean documented = DOC.operations().stream()
                .anyMatch(o -> op.equals(o.id()) && o.statuses().contains(Integer.toString(status)));
        if (documented) {
            r.run();
        }
    }

    /**
     * One request: the answer has the expected status, the request is the expected operation of
     * the document, and the answer is what the document says for that status.
     */
    static JsonNode call(String op, int expected, String method, String pathAndQuery, String token, String body) {
        HttpResponse<String> r = send(method, pathAndQuery, token, body);
        assertThat(r.statusCode()).as("%s %s as %s: %s", method, pathAndQuery, who(token), r.body()).isEqualTo(expected);
        String path = pathAndQuery.split("\\?", 2)[0];
        OpenApiDocument.Operation documented = DOC.find(method, path).orElse(null);
        assertThat(documented).as("%s %s is no operation of the document", method, path).isNotNull();
        assertThat(documented.id()).as("%s %s", method, path).isEqualTo(op);
        validated(op, r.statusCode(), r.headers().firstValue("content-type").orElse(null), r.body());
        if (body != null && expected < 300) {
            SEEN.putIfAbsent(op + " request", body);
        }
        try {
            return r.body().isEmpty() || !r.headers().firstValue("content-type").orElse("").startsWith("application/json")
                    ? JSON.nullNode() : JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
    }

    static void validated(String op, int status, String contentType, String body) {
        OpenApiDocument.Operation o = DOC.operations().stream().filter(x -> op.equals(x.id())).findFirst().orElseThrow();
        assertThat(DOC.problems(o, status, contentType, body)).as("%s %d as documented", op, status).isEmpty();
        EXERCISED.computeIfAbsent(op, k -> new TreeSet<>()).add(Integer.toString(status));
        REQUESTS.incrementAndGet();
        if (body != null && !body.isEmpty()) {
            // the first answer with something in it ("[]" makes a poor example)
            SEEN.merge(op + " " + status, body, (old, neu) -> old.length() < 5 ? neu : old);
        }
    }

    static HttpResponse<String> send(String method, String pathAndQuery, String token, String body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(core.httpUrl() + pathAndQuery))
                    .timeout(Duration.ofSeconds(60))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + pathAndQuery, e);
        }
    }

    static String who(String token) {
        if (token == null) {
            return "no token";
        }
        for (Map.Entry<String, String> e : Map.of("admin", String.valueOf(admin), "tenant admin", String.valueOf(tenantAdmin),
                "operator", String.valueOf(operator), "viewer", String.valueOf(viewer),
                "system:other viewer", String.valueOf(otherSystemViewer),
                "system:other operator", String.valueOf(otherSystemOperator), "unknown token", BAD).entrySet()) {
            if (e.getValue().equals(token)) {
                return e.getKey();
            }
        }
        return "another token";
    }

    static String token(String role, String tenant, String scope) throws Exception {
        String body = JSON.writeValueAsString(scope == null ? Map.of("role", role, "tenant", tenant)
                : Map.of("role", role, "tenant", tenant, "scope", scope));
        HttpResponse<String> r = send("POST", "/api/v1/tokens", core.adminToken(), body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).get("token").asText();
    }

    static String rule(String name) {
        return "{\"name\": \"" + name + "\", \"selector\": \"component:tank-*\", \"key\": \"level\","
                + " \"condition\": {\"type\": \"low\", \"threshold\": 5, \"deadband\": 1}, \"severity\": \"warning\"}";
    }

    static long ruleId(String name) {
        for (JsonNode r : call("listEventRules", 200, "GET", p("/event-rules"), viewer, null)) {
            if (name.equals(r.path("name").asText())) {
                return r.path("id").asLong();
            }
        }
        throw new AssertionError("no rule " + name);
    }

    static String p(String suffix) {
        return "/api/v1/tenants/" + T + suffix;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A Javalin path ("{x}" one segment, "<x>" several) as a pattern over concrete paths. */
    static Pattern javalinPattern(String path) {
        String re = Pattern.quote(path).replaceAll("\\{[^}]*}", "\\\\E[^/]+\\\\Q").replaceAll("<[^>]*>", "\\\\E.+\\\\Q");
        return Pattern.compile(re);
    }

    /** A documented path with a sample value in each parameter ("{id}:ack" becomes "1:ack"). */
    static String sample(String template) {
        return template.replaceAll("\\{[^}]*}", "1");
    }
}
