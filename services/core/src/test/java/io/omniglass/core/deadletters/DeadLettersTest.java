package io.omniglass.core.deadletters;

import io.nats.client.Connection;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.DatapointTypeInfo;
import io.omniglass.api.DeadLetter;
import io.omniglass.api.DeadLetterPage;
import io.omniglass.api.DeadLetterResult;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.sink.SinkSettings;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static io.omniglass.core.rules.RulesFixture.count;
import static io.omniglass.core.rules.RulesFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The dead letters of a real sink over real HTTP: a datapoint with a key nobody registered is
 * dead-lettered, the key is registered, the dead letter is re-driven and lands once; a second
 * re-drive does not double it; an edit re-drives a corrected body; a discard removes and audits;
 * roles and scope are checked.
 */
class DeadLettersTest {

    static final String T = "dl";
    static TestCore core;
    static DataSource db;
    static Connection nats;
    static OmniglassClient admin;
    static OmniglassClient operator;
    static OmniglassClient viewer;
    static OmniglassClient otherSystemOperator;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule(), new SinkModule(SinkSettings.defaults()), new PlantModule(),
                new DeadLettersModule()));
        Tenant t = core.createTenant(T);
        db = core.core().context().tenantDataSource(t);
        RulesFixture.importPlant(db, T);
        nats = core.core().context().nats();
        admin = core.admin();
        operator = core.client(admin.createToken(new CreateTokenRequest("operator", T, null, "olga")).token());
        viewer = core.client(admin.createToken(new CreateTokenRequest("viewer", T, null, "vic")).token());
        otherSystemOperator = core.client(admin.createToken(new CreateTokenRequest("operator", T, "system:other", "sam")).token());
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    static String dp(String owner, String key, Instant ts, double value) {
        return "{\"owner\":\"" + owner + "\",\"key\":\"" + key + "\",\"ts\":\"" + ts + "\",\"value\":" + value
                + ",\"source\":\"sim\",\"source_rule\":\"sim-poll\",\"source_rule_version\":1}";
    }

    static void publish(String body, String msgId, Map<String, String> headers) throws Exception {
        io.nats.client.impl.Headers h = new io.nats.client.impl.Headers();
        headers.forEach(h::put);
        h.put("Nats-Msg-Id", msgId);
        nats.jetStream().publish(TenantStreams.dataSubject(T, "metric"), h, body.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static List<DeadLetter> all(String filter) {
        return operator.deadLetters(T, filter, 1000, null).items();
    }

    static DeadLetter awaitOne(String filter) {
        await().atMost(Duration.ofSeconds(30)).until(() -> all(filter).size() == 1);
        return all(filter).get(0);
    }

    static long rows(String key, String owner) {
        return count(db, "SELECT count(*) FROM metric_datapoint d JOIN series s ON s.id = d.series_id"
                + " JOIN datapoint_type k ON k.id = s.datapoint_type_id WHERE k.name = ? AND s.owner = ?", key, owner);
    }

    @Test
    void aDeadLetterReDrivenAfterItsKeyIsRegisteredLandsOnce() throws Exception {
        Instant ts = Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.MILLIS);
        // a batch of two: the known key lands, the unknown one is dead-lettered with its headers
        publish("[" + dp("component:pump-1", "temperature", ts, 50.0) + "," + dp("component:pump-1", "flow_rate", ts, 12.5) + "]",
                "batch-flow-1", Map.of("Og-Correlation-Id", "corr-flow"));
        DeadLetter d = awaitOne("reason = unknown_key and body ~ \"*flow_rate*\"");
        assertThat(d.subject()).isEqualTo("og.dl.dp.metric");
        assertThat(d.index()).isEqualTo(1);
        assertThat(d.detail()).contains("flow_rate");
        assertThat(d.headers().get("Og-Correlation-Id")).containsExactly("corr-flow");
        assertThat(d.headers().get("Og-Original-Msg-Id")).containsExactly("batch-flow-1");
        await().atMost(Duration.ofSeconds(20)).until(() -> rows("temperature", "component:pump-1") >= 1);

        // re-driven before the fix: refused again, and back in the dead letters with its reason (nothing lost)
        List<DeadLetterResult> early = operator.redriveDeadLetters(T, List.of(d.id()), null, "too early");
        assertThat(early).containsExactly(new DeadLetterResult(d.id(), "ok", null));
        DeadLetter again = awaitOne("reason = unknown_key and body ~ \"*flow_rate*\"");
        assertThat(again.id()).isGreaterThan(d.id());
        assertThat(again.headers().get("Og-Redriven-From")).containsExactly(Long.toString(d.id()));
        assertThat(again.headers().get("Og-Correlation-Id")).containsExactly("corr-flow");

        // the fix: the key is registered; the re-drive lands, with the original correlation id
        admin.createDatapointType(T, new DatapointTypeInfo(null, "flow_rate", "metric", "m3/h", null, null, null));
        List<DeadLetterResult> done = operator.redriveDeadLetters(T, List.of(again.id()), null, "flow_rate registered");
        assertThat(done).containsExactly(new DeadLetterResult(again.id(), "ok", null));
        await().atMost(Duration.ofSeconds(30)).until(() -> rows("flow_rate", "component:pump-1") == 1);
        assertThat(count(db, "SELECT count(*) FROM metric_datapoint WHERE correlation_id = 'corr-flow' AND value = 12.5")).isEqualTo(1);
        assertThat(all("body ~ \"*flow_rate*\"")).isEmpty();

        // a second re-drive of the same dead letter finds nothing to do and doubles nothing
        assertThat(operator.redriveDeadLetters(T, List.of(again.id(), again.id()), null, "twice")).extracting(DeadLetterResult::status)
                .containsExactly("not_found", "not_found");
        // the same message re-published under the id a re-drive gives it (a retry after a failure between the
        // PubAck and the removal) is dropped by the stream
        long before = count(db, "SELECT count(*) FROM metric_datapoint WHERE correlation_id = 'corr-flow'");
        String msgId = text(db, "SELECT new->>'msg_id' FROM audit_log WHERE verb = 'dead_letter.redrive' AND resource = ?",
                "dead_letter:" + again.id());
        var ack = nats.jetStream().publish(TenantStreams.dataSubject(T, "metric"), headers(Map.of("Nats-Msg-Id", msgId)),
                dp("component:pump-1", "flow_rate", ts, 12.5).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(ack.isDuplicate()).isTrue();
        Thread.sleep(1000);
        assertThat(rows("flow_rate", "component:pump-1")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM metric_datapoint WHERE correlation_id = 'corr-flow'")).isEqualTo(before);

        // each re-drive is audited: who, which dead letter, why
        assertThat(text(db, "SELECT actor || ' ' || (new->>'reason') || ' ' || (old->>'reason') FROM audit_log"
                + " WHERE verb = 'dead_letter.redrive' AND resource = ?", "dead_letter:" + again.id()))
                .isEqualTo("olga flow_rate registered unknown_key");
        assertThat(count(db, "SELECT count(*) FROM audit_log WHERE verb = 'dead_letter.redrive' AND old->>'body' LIKE '%flow_rate%'"))
                .isEqualTo(2);
    }

    @Test
    void anEditedBodyIsReDrivenInsteadOfTheOriginal() throws Exception {
        Instant ts = Instant.now().minusSeconds(3).truncatedTo(ChronoUnit.MILLIS);
        publish(dp("component:pump-77", "level", ts, 42.0), "typo-1", Map.of());
        DeadLetter d = awaitOne("reason = unknown_owner and body ~ \"*pump-77*\"");
        var edit = OmniglassClient.JSON.readTree(dp("component:pump-2", "level", ts, 42.0));
        List<DeadLetterResult> r = operator.redriveDeadLetters(T, List.of(d.id()), Map.of(d.id(), edit), "owner typo");
        assertThat(r).extracting(DeadLetterResult::status).containsExactly("ok");
        await().atMost(Duration.ofSeconds(30)).until(() -> rows("level", "component:pump-2") == 1);
        assertThat(text(db, "SELECT (new->>'edited') || ' ' || (new->>'body' LIKE '%pump-2%') FROM audit_log"
                + " WHERE verb = 'dead_letter.redrive' AND resource = ?", "dead_letter:" + d.id())).isEqualTo("true true");
        assertThatThrownBy(() -> operator.redriveDeadLetters(T, List.of(d.id()), Map.of(d.id() + 1000, edit), "x"))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error().detail()).contains("not in ids");
                });
    }

    @Test
    void aDiscardRemovesAndAuditsAndNeedsAReason() throws Exception {
        publish("{not json at all", "junk-1", Map.of());
        DeadLetter d = awaitOne("reason = bad_json and body = \"{not json at all\"");
        assertThatThrownBy(() -> operator.discardDeadLetters(T, List.of(d.id()), " "))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error().detail()).contains("reason");
                });
        // bad ids give a result each; the good one is discarded
        List<DeadLetterResult> r = operator.discardDeadLetters(T, List.of(987654L, d.id()), "garbage from a test rig");
        assertThat(r).extracting(DeadLetterResult::id, DeadLetterResult::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(987654L, "not_found"), org.assertj.core.groups.Tuple.tuple(d.id(), "ok"));
        assertThat(all("reason = bad_json and body = \"{not json at all\"")).isEmpty();
        assertThat(text(db, "SELECT actor || ' ' || (new->>'reason') || ' ' || (old->>'body') FROM audit_log"
                + " WHERE verb = 'dead_letter.discard' AND resource = ?", "dead_letter:" + d.id()))
                .isEqualTo("olga garbage from a test rig {not json at all");
        assertThat(operator.discardDeadLetters(T, List.of(d.id()), "again")).extracting(DeadLetterResult::status).containsExactly("not_found");
        assertThat(count(db, "SELECT count(*) FROM audit_log WHERE verb = 'dead_letter.discard' AND resource = ?", "dead_letter:" + d.id()))
                .isEqualTo(1);
    }

    @Test
    void rolesScopeAndBadRequestsAreChecked() throws Exception {
        publish("[1, 2", "junk-2", Map.of());
        DeadLetter d = awaitOne("body = \"[1, 2\"");
        // a viewer reads, but may not act
        assertThat(viewer.deadLetters(T, "body = \"[1, 2\"", 10, null).items()).extracting(DeadLetter::id).containsExactly(d.id());
        assertStatus(403, () -> viewer.redriveDeadLetters(T, List.of(d.id()), null, "x"));
        assertStatus(403, () -> viewer.discardDeadLetters(T, List.of(d.id()), "x"));
        // dead letters may name any owner: a token scoped to one system sees none of them
        assertStatus(403, () -> otherSystemOperator.deadLetters(T, null, 10, null));
        assertStatus(403, () -> otherSystemOperator.discardDeadLetters(T, List.of(d.id()), "x"));
        assertStatus(404, () -> operator.deadLetters("nosuch", null, 10, null));
        assertThat(all("body = \"[1, 2\"")).hasSize(1);
        // bad filters and cursors are a 400 naming the problem
        assertStatus(400, () -> operator.deadLetters(T, "colour = red", 10, null));
        assertStatus(400, () -> operator.deadLetters(T, "reason = ", 10, null));
        assertStatus(400, () -> operator.deadLetters(T, null, 10, "yesterday"));
        assertStatus(400, () -> operator.deadLetters(T, null, 0, null));
        assertStatus(400, () -> operator.redriveDeadLetters(T, List.of(), null, "x"));
    }

    @Test
    void pagesFollowTheStreamSequence() throws Exception {
        for (int i = 0; i < 3; i++) {
            publish("{page " + i, "page-" + i, Map.of());
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> all("body ~ \"{page *\"").size() == 3);
        DeadLetterPage first = operator.deadLetters(T, "body ~ \"{page *\"", 2, null);
        assertThat(first.items()).hasSize(2);
        assertThat(first.next()).isNotNull();
        assertThat(first.total()).isGreaterThanOrEqualTo(3);
        DeadLetterPage second = operator.deadLetters(T, "body ~ \"{page *\"", 2, first.next());
        assertThat(second.items()).hasSize(1);
        assertThat(second.items().get(0).id()).isGreaterThan(first.items().get(1).id());
        assertThat(List.of(first.items().get(0).body(), first.items().get(1).body(), second.items().get(0).body()))
                .containsExactly("{page 0", "{page 1", "{page 2");
    }

    /** A publisher's JetStream controls (here Nats-Expected-Stream) once made the dead letter's own publish fail forever. */
    @Test
    void aRefusedMessageWithPublishControlsIsDeadLetteredWithoutThem() throws Exception {
        publish("{controls", "controls-1", Map.of("Nats-Expected-Stream", TenantStreams.dataStream(T)));
        DeadLetter d = awaitOne("body = \"{controls\"");
        assertThat(d.reason()).isEqualTo("bad_json");
        assertThat(d.headers()).doesNotContainKey("Nats-Expected-Stream");
    }

    static io.nats.client.impl.Headers headers(Map<String, String> m) {
        io.nats.client.impl.Headers h = new io.nats.client.impl.Headers();
        m.forEach(h::put);
        return h;
    }

    static void assertStatus(int status, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(status);
            assertThat(e.error().detail()).isNotBlank();
        });
    }
}
