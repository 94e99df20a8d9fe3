package io.omniglass.core.alarms;

import com.fasterxml.jackson.core.type.TypeReference;
import io.nats.client.Connection;
import io.omniglass.api.AlarmCommand;
import io.omniglass.api.AlarmInfo;
import io.omniglass.api.AlarmPage;
import io.omniglass.api.AlarmResult;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.rules.RulesModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import static io.omniglass.core.rules.RulesFixture.count;
import static io.omniglass.core.rules.RulesFixture.metric;
import static io.omniglass.core.rules.RulesFixture.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Ack, snooze, snooze expiry, unsnooze and bulk ack over real HTTP, each with its audit row. */
class AlarmOperationsTest {

    static TestCore core;
    static RulesModule rules = new RulesModule();
    static Tenant tenant;
    static DataSource db;
    static OmniglassClient operator;
    static long pump1;
    static long pump2;

    @BeforeAll
    static void start() throws Exception {
        core = TestCore.start(List.of(new io.omniglass.core.gateway.GatewayModule(), rules, new AlarmsModule()));
        tenant = core.createTenant("ops");
        db = core.core().context().tenantDataSource(tenant);
        RulesFixture.importPlant(db, "ops");
        // the calc consumer delivers what arrives after it is made (with the rules): publish once this core serves the tenant
        await().atMost(Duration.ofSeconds(30)).until(() -> rules.serving("ops"));
        rules.reload("ops");
        operator = core.client(core.admin().createToken(new CreateTokenRequest("operator", "ops", null, "olga")).token());
        Connection nats = core.core().context().nats();
        Instant t = Instant.now().minusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        metric(nats, "ops", "component:pump-1", "temperature", t, 95.0, null, null);
        metric(nats, "ops", "component:pump-2", "temperature", t, 96.0, null, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> count(db, "SELECT count(*) FROM alarm WHERE state = 'active'") == 2);
        pump1 = count(db, "SELECT id FROM alarm WHERE owner = 'component:pump-1'");
        pump2 = count(db, "SELECT id FROM alarm WHERE owner = 'component:pump-2'");
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    static String path(String rest) {
        return "/api/v1/tenants/ops/alarms" + rest;
    }

    static long audits(String verb, long id) {
        return count(db, "SELECT count(*) FROM audit_log WHERE verb = ? AND resource = ?", verb, "alarm:" + id);
    }

    @Test
    void ackIsRecordedWithItsAuditRow() {
        AlarmInfo acked = operator.post(path("/" + pump1 + ":ack"), new AlarmCommand(null, "looking at it", null),
                new TypeReference<AlarmInfo>() { });
        assertThat(acked.acked()).isTrue();
        assertThat(acked.ackedBy()).isEqualTo("olga");
        assertThat(acked.ackReason()).isEqualTo("looking at it");
        assertThat(acked.state()).isEqualTo("active");
        assertThat(audits("alarm.ack", pump1)).isEqualTo(1);
        assertThat(text(db, "SELECT (new->>'acked') || ' ' || (old->>'acked') || ' ' || actor FROM audit_log WHERE verb = 'alarm.ack' AND resource = ?",
                "alarm:" + pump1)).isEqualTo("true false olga");
        // the row carries olga's principal id, not her name alone: what lets personal-data expiry erase her name later
        long olga = core.core().context().control().select(io.omniglass.schema.control.Tables.PRINCIPAL.ID)
                .from(io.omniglass.schema.control.Tables.PRINCIPAL)
                .where(io.omniglass.schema.control.Tables.PRINCIPAL.NAME.eq("olga")).fetchOne().value1();
        assertThat(count(db, "SELECT actor_id FROM audit_log WHERE verb = 'alarm.ack' AND resource = ?", "alarm:" + pump1))
                .isEqualTo(olga);
        AlarmPage page = operator.get(path("?filter=acked%20%3D%20true%20and%20state%20%3D%20active"), new TypeReference<AlarmPage>() { });
        assertThat(page.items()).extracting(AlarmInfo::id).contains(pump1);
        assertThat(page.items()).allSatisfy(a -> assertThat(a.acked() && a.state().equals("active")).isTrue());
        assertThatThrownBy(() -> operator.get(path("?filter=colour%20%3D%20red"), new TypeReference<AlarmPage>() { }))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error().detail()).contains("position 1").contains("colour");
                });
    }

    @Test
    void snoozeNeedsAReasonAndAnUnknownAlarmIsA404() throws Exception {
        long before = audits("alarm.snooze", pump2);
        assertThatThrownBy(() -> operator.post(path("/" + pump2 + ":snooze"),
                new AlarmCommand(null, " ", OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(5)), new TypeReference<AlarmInfo>() { }))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error().detail()).contains("reason");
                });
        assertThatThrownBy(() -> operator.post(path("/987654:ack"), new AlarmCommand(null, "x", null), new TypeReference<AlarmInfo>() { }))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        // the raw request: 400 with the error body, never a stack trace
        HttpResponse<String> raw = operator.http().send(HttpRequest.newBuilder(URI.create(core.httpUrl() + path("/" + pump2 + ":snooze")))
                .header("Authorization", "Bearer " + operator.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"until\": \"2099-01-01T00:00:00Z\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(raw.statusCode()).isEqualTo(400);
        assertThat(OmniglassClient.JSON.readTree(raw.body()).get("error").asText()).isEqualTo("bad request");
        assertThat(audits("alarm.snooze", pump2)).isEqualTo(before);
    }

    /** Issue 16, finding 13: a snooze "until 9999" silenced an alarm for good. */
    @Test
    void aSnoozeHasAnUpperBound() {
        long before = audits("alarm.snooze", pump2);
        for (OffsetDateTime until : List.of(OffsetDateTime.now(ZoneOffset.UTC).plusDays(31),
                OffsetDateTime.parse("9999-12-31T23:59:59Z"), OffsetDateTime.parse("+999999999-12-31T23:59:59Z"))) {
            assertThatThrownBy(() -> operator.post(path("/" + pump2 + ":snooze"), new AlarmCommand(null, "forever", until),
                    new TypeReference<AlarmInfo>() { }))
                    .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
                        assertThat(e.status()).isEqualTo(400);
                        assertThat(e.error().detail()).contains("within 30 days");
                    });
            assertThatThrownBy(() -> operator.post("/api/v1/tenants/ops/alarms:snooze", new AlarmCommand(List.of(pump2), "forever", until),
                    new TypeReference<List<AlarmResult>>() { }))
                    .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        }
        assertThat(audits("alarm.snooze", pump2)).isEqualTo(before);
    }

    @Test
    void aSnoozeThatExpiresWhileActiveAnnouncesTheAlarmAgainAndUnsnoozeEndsOne() {
        AlarmInfo snoozed = operator.post(path("/" + pump2 + ":snooze"),
                new AlarmCommand(null, "maintenance crew on site", OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(2)),
                new TypeReference<AlarmInfo>() { });
        assertThat(snoozed.snoozed()).isTrue();
        assertThat(snoozed.snoozeReason()).isEqualTo("maintenance crew on site");
        long snoozes = audits("alarm.snooze", pump2);

        await().atMost(Duration.ofSeconds(15)).until(() -> audits("alarm.snooze_expired", pump2) == 1);
        assertThat(text(db, "SELECT snoozed_until IS NULL FROM alarm WHERE id = ?", pump2)).isEqualTo("t");
        assertThat(count(db, "SELECT count(*) FROM event WHERE name = 'alarm.snooze_expired' AND origin = 'scheduled' AND owner = 'component:pump-2'"))
                .isEqualTo(1);
        assertThat(text(db, "SELECT e.trigger_event_id = a.raise_event_id AND a.last_event_id = e.id FROM alarm a JOIN event e ON e.name = 'alarm.snooze_expired' AND e.owner = a.owner WHERE a.id = ?", pump2))
                .isEqualTo("t");

        operator.post(path("/" + pump2 + ":snooze"), new AlarmCommand(null, "known issue", OffsetDateTime.now(ZoneOffset.UTC).plusHours(1)),
                new TypeReference<AlarmInfo>() { });
        AlarmInfo unsnoozed = operator.post(path("/" + pump2 + ":unsnooze"), null, new TypeReference<AlarmInfo>() { });
        assertThat(unsnoozed.snoozed()).isFalse();
        assertThat(unsnoozed.snoozedUntil()).isNull();
        assertThat(audits("alarm.snooze", pump2)).isEqualTo(snoozes + 1);
        assertThat(audits("alarm.unsnooze", pump2)).isEqualTo(1);
        assertThat(text(db, "SELECT old->>'snooze_reason' FROM audit_log WHERE verb = 'alarm.unsnooze' AND resource = ?", "alarm:" + pump2))
                .isEqualTo("known issue");
    }

    @Test
    void aBulkAckReportsEachItemAndOneFailureDoesNotStopTheOthers() {
        long before = audits("alarm.ack", pump2);
        List<AlarmResult> results = operator.post(path(":ack"), new AlarmCommand(List.of(pump2, 424242L), "shift handover", null),
                new TypeReference<List<AlarmResult>>() { });
        assertThat(results).hasSize(2);
        assertThat(results.get(0).id()).isEqualTo(pump2);
        assertThat(results.get(0).status()).isEqualTo(200);
        assertThat(results.get(0).alarm().acked()).isTrue();
        assertThat(results.get(1).id()).isEqualTo(424242L);
        assertThat(results.get(1).status()).isEqualTo(404);
        assertThat(results.get(1).error()).contains("424242");
        assertThat(audits("alarm.ack", pump2)).isEqualTo(before + 1);
        assertThat(audits("alarm.ack", 424242L)).isZero();
    }

    @Test
    void aScopedTokenSeesAndChangesOnlyAlarmsInItsScope() {
        OmniglassClient other = core.client(core.admin().createToken(
                new CreateTokenRequest("operator", "ops", "system:other", "otto")).token());
        assertThat(other.get(path(""), new TypeReference<AlarmPage>() { }).items()).isEmpty();
        assertThatThrownBy(() -> other.post(path("/" + pump1 + ":ack"), new AlarmCommand(null, "x", null), new TypeReference<AlarmInfo>() { }))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        List<AlarmResult> results = other.post(path(":ack"), new AlarmCommand(List.of(pump1), "x", null),
                new TypeReference<List<AlarmResult>>() { });
        assertThat(results).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(404));
        assertThat(count(db, "SELECT count(*) FROM audit_log WHERE actor = 'otto'")).isZero();
    }

    @Test
    void aViewerCannotAck() {
        OmniglassClient viewer = core.client(core.admin().createToken(new CreateTokenRequest("viewer", "ops", null, "vic")).token());
        assertThat(viewer.get(path(""), new TypeReference<AlarmPage>() { }).items()).isNotEmpty();
        assertThatThrownBy(() -> viewer.post(path("/" + pump1 + ":ack"), new AlarmCommand(null, null, null), new TypeReference<AlarmInfo>() { }))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    }
}
