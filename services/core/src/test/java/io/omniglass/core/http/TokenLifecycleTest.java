package io.omniglass.core.http;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.omniglass.api.AuditEntry;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.Page;
import io.omniglass.api.TokenCreated;
import io.omniglass.api.TokenInfo;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.gateway.GatewayTestFixtures;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The token lifecycle and what a token may do (issue 16, findings 5, 6, 7, 10), on two real cores
 * sharing one Postgres and one nats-server, as production cores do.
 */
class TokenLifecycleTest {

    static TestInfra infra;
    static TestCore a;
    static TestCore b;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        infra = TestInfra.start();
        a = TestCore.start(List.of(new GatewayModule(), new PlantModule()), infra.env());
        b = TestCore.start(List.of(new GatewayModule(), new PlantModule()), infra.env());
        GatewayTestFixtures.loadScopeFixture(Gateway.forCore(a.core().context()), a.createTenant("acc"));
        a.createTenant("acc_other");
        await().atMost(Duration.ofSeconds(10)).until(() -> b.admin().tenants().size() == 2);
    }

    @AfterAll
    static void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
        if (infra != null) {
            infra.close();
        }
    }

    static TokenCreated issue(OmniglassClient issuer, String role, String tenant, String scope, String principal, String expires) {
        return issuer.createToken(new CreateTokenRequest(role, tenant, scope, principal, expires));
    }

    static int status(TestCore core, String token, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(core.httpUrl() + path)).header("Authorization", "Bearer " + token).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    static JsonNode json(String s) {
        try {
            return OmniglassClient.JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static int statusOf(Runnable call) {
        try {
            call.run();
            return 200;
        } catch (OmniglassClient.ApiException e) {
            return e.status();
        }
    }

    /** An SSE stream read line by line; {@code ended} completes when the server closes it. */
    record Feed(List<String> events, CompletableFuture<Void> ended, int status, AutoCloseable body) implements AutoCloseable {
        static Feed open(TestCore core, String token, String tenant) throws Exception {
            List<String> events = new CopyOnWriteArrayList<>();
            HttpResponse<java.util.stream.Stream<String>> r = HTTP.send(HttpRequest.newBuilder(
                            URI.create(core.httpUrl() + "/api/v1/tenants/" + tenant + "/live"))
                    .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").GET().build(),
                    HttpResponse.BodyHandlers.ofLines());
            CompletableFuture<Void> ended = new CompletableFuture<>();
            if (r.statusCode() != 200) {
                r.body().close();
                ended.complete(null);
                return new Feed(events, ended, r.statusCode(), () -> { });
            }
            Thread reader = new Thread(() -> {
                try {
                    String[] event = {"message"};
                    r.body().forEach(line -> {
                        if (line.startsWith("event:")) {
                            event[0] = line.substring(6).trim();
                        } else if (line.startsWith("data:")) {
                            events.add(event[0] + " " + line.substring(5).trim());
                        } else if (line.isEmpty()) {
                            event[0] = "message";
                        }
                    });
                } catch (RuntimeException closed) {
                    // closed by close()
                }
                ended.complete(null);
            }, "test-sse-reader");
            reader.setDaemon(true);
            reader.start();
            return new Feed(events, ended, 200, r.body()::close);
        }

        @Override
        public void close() {
            try {
                body.close();
            } catch (Exception ignored) {
                // already closed
            }
        }
    }

    static void probeUntilSeen(Connection nats, String tenant, Feed feed) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            nats.publish("og." + tenant + ".dp.metric", ("{\"owner\": \"component:pump-1\", \"key\": \"probe\", "
                    + "\"ts\": \"2026-11-21T07:00:00Z\", \"value\": 0}").getBytes(StandardCharsets.UTF_8));
            return feed.events().stream().anyMatch(e -> e.contains("\"probe\""));
        });
    }

    @Test
    void aRevokedTokenIsRefusedByBothCoresWithinASecondAndItsOpenFeedCloses() throws Exception {
        TokenCreated t = issue(a.admin(), "viewer", "acc", null, "revokee", null);
        // both cores have it cached (a valid token is remembered for a few seconds)
        assertThat(status(a, t.token(), "/api/v1/tenants")).isEqualTo(200);
        assertThat(status(b, t.token(), "/api/v1/tenants")).isEqualTo(200);
        try (Feed feed = Feed.open(b, t.token(), "acc")) {
            assertThat(feed.status()).isEqualTo(200);
            probeUntilSeen(b.core().context().nats(), "acc", feed);

            long revokedAt = System.nanoTime();
            TokenInfo revoked = a.admin().revokeToken(t.id());
            assertThat(revoked.state()).isEqualTo("revoked");
            assertThat(revoked.revokedBy()).isEqualTo("admin");

            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20)).until(() ->
                    status(a, t.token(), "/api/v1/tenants") == 401 && status(b, t.token(), "/api/v1/tenants") == 401);
            feed.ended().get(1, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - revokedAt);
            System.out.println("revoke: refused by both cores and the feed closed " + ms + " ms after the revoke");
            assertThat(ms).isLessThan(1000);
            assertThat(feed.events()).anyMatch(e -> e.startsWith("end "));
        }
        // revoking again answers the same record; the list shows it revoked
        assertThat(a.admin().revokeToken(t.id()).state()).isEqualTo("revoked");
        assertThat(a.admin().tokens(1000, null).items()).filteredOn(x -> x.id() == t.id())
                .singleElement().satisfies(x -> assertThat(x.state()).isEqualTo("revoked"));
    }

    @Test
    void anExpiredTokenIsRefusedEvenWhileCachedAndItsFeedEnds() throws Exception {
        TokenCreated t = issue(a.admin(), "viewer", "acc", null, "shortlived", "3s");
        assertThat(t.expiresAt()).isNotNull();
        assertThat(status(b, t.token(), "/api/v1/tenants")).isEqualTo(200);
        try (Feed feed = Feed.open(b, t.token(), "acc")) {
            assertThat(feed.status()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(6)).pollInterval(Duration.ofMillis(50)).until(() ->
                    status(b, t.token(), "/api/v1/tenants") == 401);
            feed.ended().get(2, TimeUnit.SECONDS);
        }
        assertThat(a.admin().tokens(1000, null).items()).filteredOn(x -> x.id() == t.id())
                .singleElement().satisfies(x -> assertThat(x.state()).isEqualTo("expired"));
        assertThat(statusOf(() -> issue(a.admin(), "viewer", "acc", null, null, "0s"))).isEqualTo(400);
        assertThat(statusOf(() -> issue(a.admin(), "viewer", "acc", null, null, "100000d"))).isEqualTo(400);
        assertThat(statusOf(() -> issue(a.admin(), "viewer", "acc", null, null, "soon"))).isEqualTo(400);
    }

    @Test
    void aTokenNeverIssuesWiderThanItself() throws Exception {
        OmniglassClient sysAdmin = a.client(issue(a.admin(), "admin", "acc", "system:sys-2", "sys2-admin", "1h").token());
        // finding 5: a system-scoped admin minted a tenant-wide admin
        assertThat(statusOf(() -> issue(sysAdmin, "admin", "acc", null, null, null))).isEqualTo(403);
        assertThat(statusOf(() -> issue(sysAdmin, "viewer", "acc", "system:sys-1", null, null))).isEqualTo(403);
        assertThat(statusOf(() -> issue(sysAdmin, "admin", null, null, null, null))).isEqualTo(403);
        assertThat(statusOf(() -> issue(sysAdmin, "viewer", "acc_other", "system:sys-2", null, null))).isEqualTo(404);
        // nor a longer life than its own; without --expires it inherits the issuer's
        assertThat(statusOf(() -> issue(sysAdmin, "viewer", "acc", "system:sys-2", null, "2h"))).isEqualTo(403);
        TokenCreated same = issue(sysAdmin, "viewer", "acc", "system:sys-2", null, null);
        assertThat(same.expiresAt()).isNotNull();
        assertThat(same.expiresAt()).isBefore(java.time.OffsetDateTime.now().plusHours(1).plusMinutes(1));

        OmniglassClient tenantAdmin = a.client(issue(a.admin(), "admin", "acc", null, "acc-admin", null).token());
        assertThat(statusOf(() -> issue(tenantAdmin, "admin", null, null, null, null))).isEqualTo(403);
        assertThat(statusOf(() -> issue(tenantAdmin, "viewer", "acc_other", null, null, null))).isEqualTo(404);
        OmniglassClient operator = a.client(issue(a.admin(), "operator", "acc", null, "acc-operator", null).token());
        assertThat(statusOf(() -> issue(operator, "viewer", "acc", null, null, null))).isEqualTo(403);

        // list and revoke see exactly what the caller could have issued
        TokenCreated other = issue(a.admin(), "viewer", "acc_other", null, "other-viewer", null);
        List<TokenInfo> seenBySys = sysAdmin.tokens(1000, null).items();
        assertThat(seenBySys).isNotEmpty().allMatch(x -> "acc".equals(x.tenant()) && "system:sys-2".equals(x.scope()));
        assertThat(tenantAdmin.tokens(1000, null).items()).isNotEmpty().allMatch(x -> "acc".equals(x.tenant()));
        assertThat(statusOf(() -> tenantAdmin.revokeToken(other.id()))).isEqualTo(404);
        assertThat(statusOf(() -> sysAdmin.revokeToken(other.id()))).isEqualTo(404);
        assertThat(statusOf(() -> operator.tokens(10, null))).isEqualTo(403);
        assertThat(status(a, other.token(), "/api/v1/tenants/acc_other/entities")).isEqualTo(200);

        // finding 5: the plant import skipped the scope check and the gateway
        String plant = "{\"locations\": [{\"name\": \"smuggled\"}]}";
        assertThat(statusOf(() -> sysAdmin.post("/api/v1/tenants/acc/import", OmniglassClient.JSON.createObjectNode()
                .putArray("locations").addObject().put("name", "smuggled"), new TypeReference<JsonNode>() { }))).isEqualTo(403);
        assertThat(statusOf(() -> tenantAdmin.post("/api/v1/tenants/acc_other/import", json(plant), new TypeReference<JsonNode>() { })))
                .isEqualTo(404);
    }

    @Test
    void principalNamesAreNotTheCallersToChooseFreely() {
        for (String reserved : List.of("admin", "system:scheduler", "System", "root", "bad name", "x\u0000y", "a".repeat(101))) {
            assertThat(statusOf(() -> issue(a.admin(), "viewer", "acc", null, reserved, null))).as(reserved).isEqualTo(400);
        }
        OmniglassClient tenantAdmin = a.client(issue(a.admin(), "admin", "acc", null, "names-admin", null).token());
        issue(a.admin(), "operator", "acc", null, "olga", null);
        // another issuer cannot mint a token in olga's name; olga's creator may rotate hers
        assertThat(statusOf(() -> issue(tenantAdmin, "operator", "acc", null, "olga", null))).isEqualTo(409);
        TokenCreated rotated = issue(a.admin(), "operator", "acc", null, "olga", null);
        assertThat(rotated.principal()).isEqualTo("olga");
        // a default name is unique per token
        assertThat(issue(a.admin(), "viewer", "acc", null, null, null).principal())
                .isNotEqualTo(issue(a.admin(), "viewer", "acc", null, null, null).principal());

        // audit rows carry the principal id; the name is only a label
        long adminId = a.admin().tokens(1000, null).items().stream().filter(x -> x.principal().equals("names-admin"))
                .findFirst().orElseThrow().principalId();
        tenantAdmin.post("/api/v1/tenants/acc/import", json("{\"locations\": [{\"name\": \"audited-site\"}]}"), new TypeReference<JsonNode>() { });
        Page<AuditEntry> audit = a.admin().auditLog("acc", "verb = \"plant.import\"", 10, null);
        assertThat(audit.items()).isNotEmpty();
        assertThat(audit.items().get(0).actorId()).isEqualTo(adminId);
        assertThat(audit.items().get(0).actor()).isEqualTo("names-admin");
    }

    @Test
    void theLiveFeedShowsWhatRestWouldShowAndIsCapped() throws Exception {
        String viewer = issue(a.admin(), "viewer", "acc", null, "feed-viewer", null).token();
        String operator = issue(a.admin(), "operator", "acc", null, "feed-operator", null).token();
        Connection nats = a.core().context().nats();
        try (Feed v = Feed.open(a, viewer, "acc"); Feed o = Feed.open(a, operator, "acc")) {
            probeUntilSeen(nats, "acc", v);
            probeUntilSeen(nats, "acc", o);
            nats.publish("og.acc.cdc.audit_log", "{\"table\": \"audit_log\", \"op\": \"insert\", \"row\": {\"id\": 77, \"verb\": \"x.audit\"}}"
                    .getBytes(StandardCharsets.UTF_8));
            nats.publish("og.acc.cdc.variable", ("{\"table\": \"variable\", \"op\": \"insert\", \"row\": {\"id\": 9, "
                    + "\"name\": \"x.pw\", \"ciphertext\": \"\\\\xdeadbeef\"}}").getBytes(StandardCharsets.UTF_8));
            nats.publish("og.acc.cdc.internal_log", "{\"table\": \"internal_log\", \"op\": \"insert\", \"row\": {\"id\": 3, \"message\": \"x.internal\"}}"
                    .getBytes(StandardCharsets.UTF_8));
            nats.publish("og.acc.cdc.alarm", "{\"table\": \"alarm\", \"op\": \"insert\", \"row\": {\"id\": 1, \"component_id\": \"pump-1\", \"message\": \"x.marker\"}}"
                    .getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(5)).until(() -> v.events().stream().anyMatch(e -> e.contains("x.marker"))
                    && o.events().stream().anyMatch(e -> e.contains("x.marker")));
            assertThat(v.events()).noneMatch(e -> e.contains("x.audit")).noneMatch(e -> e.contains("x.internal"));
            assertThat(o.events()).anyMatch(e -> e.contains("x.audit"));
            assertThat(v.events()).filteredOn(e -> e.contains("x.pw")).singleElement()
                    .satisfies(e -> assertThat(e).doesNotContain("deadbeef").contains("(withheld)"));

            // a principal holds at most MAX_STREAMS_PER_PRINCIPAL streams (v is one), whatever its tokens
            String secondTokenOfViewer = issue(a.admin(), "viewer", "acc", null, "feed-viewer", null).token();
            List<Feed> more = new java.util.ArrayList<>();
            try {
                for (int i = 1; i < LiveFeed.MAX_STREAMS_PER_PRINCIPAL; i++) {
                    more.add(Feed.open(a, viewer, "acc"));
                }
                assertThat(more).allMatch(f -> f.status() == 200);
                try (Feed over = Feed.open(a, secondTokenOfViewer, "acc")) {
                    assertThat(over.status()).isEqualTo(429);
                }
            } finally {
                more.forEach(Feed::close);
            }
            // closed streams give their slot back (the server notices at its next write: a value)
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                nats.publish("og.acc.dp.metric", ("{\"owner\": \"component:pump-1\", \"key\": \"nudge\", "
                        + "\"ts\": \"2026-11-21T07:00:00Z\", \"value\": 0}").getBytes(StandardCharsets.UTF_8));
                Thread.sleep(300);
                try (Feed again = Feed.open(a, viewer, "acc")) {
                    return again.status() == 200;
                }
            });
        }
    }

    @Test
    void tokensWithoutAdminAreRefusedEveryLifecycleEndpoint() throws Exception {
        String viewer = issue(a.admin(), "viewer", "acc", null, "lifecycle-viewer", null).token();
        assertThat(status(a, viewer, "/api/v1/tokens")).isEqualTo(403);
        assertThat(status(a, "og_not-a-token", "/api/v1/tokens")).isEqualTo(401);
        assertThat(statusOf(() -> a.client(viewer).revokeToken(1))).isEqualTo(403);
        assertThat(statusOf(() -> a.admin().revokeToken(999_999))).isEqualTo(404);
        assertThat(statusOf(() -> a.admin().get("/api/v1/tokens?after=%00", new TypeReference<Map<String, Object>>() { })))
                .isEqualTo(400);
        assertThatThrownBy(() -> a.admin().post("/api/v1/tokens/abc:revoke", null, new TypeReference<JsonNode>() { }))
                .isInstanceOf(OmniglassClient.ApiException.class);
    }
}
