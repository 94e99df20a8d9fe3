package io.omniglass.core.alarms;

import com.fasterxml.jackson.core.type.TypeReference;
import io.nats.client.Connection;
import io.omniglass.api.AlarmCommand;
import io.omniglass.api.AlarmInfo;
import io.omniglass.api.AlarmJournal;
import io.omniglass.api.AlarmJournalEntry;
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
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static io.omniglass.core.rules.RulesFixture.count;
import static io.omniglass.core.rules.RulesFixture.metric;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** An alarm's journal: raise, operator actions with who and why, clear, raise again, in time order, filterable. */
class AlarmJournalTest {

    static final String T = "jr";
    static TestCore core;
    static RulesModule rules = new RulesModule();
    static DataSource db;
    static OmniglassClient operator;
    static OmniglassClient otherSystemViewer;
    static long alarm;
    static OffsetDateTime afterAck;

    @BeforeAll
    static void start() throws Exception {
        core = TestCore.start(List.of(new io.omniglass.core.gateway.GatewayModule(), rules, new AlarmsModule()));
        Tenant tenant = core.createTenant(T);
        db = core.core().context().tenantDataSource(tenant);
        RulesFixture.importPlant(db, T);
        await().atMost(Duration.ofSeconds(30)).until(() -> rules.serving(T));
        rules.reload(T);
        operator = core.client(core.admin().createToken(new CreateTokenRequest("operator", T, null, "olga")).token());
        otherSystemViewer = core.client(core.admin().createToken(new CreateTokenRequest("viewer", T, "system:other", "sam")).token());
        Connection nats = core.core().context().nats();
        Instant t = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS);

        metric(nats, T, "component:pump-1", "temperature", t, 95.0, null, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> count(db, "SELECT count(*) FROM alarm WHERE state = 'active'") == 1);
        alarm = count(db, "SELECT id FROM alarm WHERE owner = 'component:pump-1'");
        post(":ack", new AlarmCommand(null, "checking the bearing", null));
        Thread.sleep(20);
        afterAck = OffsetDateTime.now(ZoneOffset.UTC);
        post(":snooze", new AlarmCommand(null, "maintenance window", OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(10)));
        post(":unsnooze", new AlarmCommand(null, null, null));
        metric(nats, T, "component:pump-1", "temperature", t.plusSeconds(1), 70.0, null, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> count(db, "SELECT count(*) FROM alarm WHERE state = 'cleared'") == 1);
        metric(nats, T, "component:pump-1", "temperature", t.plusSeconds(2), 97.0, null, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> count(db, "SELECT count(*) FROM alarm WHERE state = 'active'") == 1);
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    static void post(String verb, AlarmCommand cmd) {
        operator.post("/api/v1/tenants/" + T + "/alarms/" + alarm + verb, cmd, new TypeReference<AlarmInfo>() { });
    }

    @Test
    void everyTransitionAndActionInTimeOrderWithWhoAndWhy() {
        List<AlarmJournalEntry> j = operator.alarmJournal(T, alarm, null, null).entries();
        assertThat(j).extracting(AlarmJournalEntry::what)
                .containsExactly("raised", "ack", "snooze", "unsnooze", "cleared", "raised");
        assertThat(j).extracting(AlarmJournalEntry::actor).containsExactly("rule:pump-temperature-high", "olga", "olga", "olga",
                "rule:pump-temperature-high", "rule:pump-temperature-high");
        assertThat(j).extracting(AlarmJournalEntry::kind).containsExactly("transition", "action", "action", "action",
                "transition", "transition");
        assertThat(j).allSatisfy(e -> {
            assertThat(e.alarmId()).isEqualTo(alarm);
            assertThat(e.owner()).isEqualTo("component:pump-1");
            assertThat(e.rule()).isEqualTo("pump-temperature-high");
        });
        assertThat(j.get(1).reason()).isEqualTo("checking the bearing");
        assertThat(j.get(2).reason()).isEqualTo("maintenance window");
        assertThat(j.get(2).snoozedUntil()).isAfter(OffsetDateTime.now(ZoneOffset.UTC));
        assertThat(j.get(0).severity()).isEqualTo("error");
        assertThat(j).extracting(AlarmJournalEntry::at).isSorted();
        // from/to narrow it
        assertThat(operator.alarmJournal(T, alarm, afterAck, null).entries()).extracting(AlarmJournalEntry::what)
                .containsExactly("snooze", "unsnooze", "cleared", "raised");
        assertThat(operator.alarmJournal(T, alarm, null, afterAck).entries()).extracting(AlarmJournalEntry::what)
                .containsExactly("raised", "ack");
    }

    @Test
    void acrossAlarmsByOperatorRuleAndOwner() {
        assertThat(operator.alarmsJournal(T, null, null, "olga", null, null, null).entries())
                .extracting(AlarmJournalEntry::what).containsExactly("ack", "snooze", "unsnooze");
        assertThat(operator.alarmsJournal(T, "component:pump-*", "pump-temperature-high", null, null, null, null).entries())
                .hasSize(6);
        assertThat(operator.alarmsJournal(T, "component:pump-2", null, null, null, null, null).entries()).isEmpty();
        assertThat(operator.alarmsJournal(T, null, "tank-level-high", null, null, null, null).entries()).isEmpty();
        AlarmJournal two = operator.alarmsJournal(T, null, null, null, null, null, 2);
        assertThat(two.entries()).extracting(AlarmJournalEntry::what).containsExactly("raised", "ack");
        assertThat(two.truncated()).isTrue();
        assertThat(operator.alarmsJournal(T, null, null, null, null, null, 100).truncated()).isFalse();
    }

    @Test
    void scopeAndBadInput() {
        // outside the token's scope the alarm does not exist, and the journal across alarms leaves it out
        assertThatThrownBy(() -> otherSystemViewer.alarmJournal(T, alarm, null, null))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
        assertThat(otherSystemViewer.alarmsJournal(T, null, null, null, null, null, null).entries()).isEmpty();
        assertThatThrownBy(() -> operator.get("/api/v1/tenants/" + T + "/alarms/" + alarm + "/journal?from=yesterday",
                new TypeReference<AlarmJournal>() { }))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.error().detail()).contains("from");
                });
        assertThatThrownBy(() -> operator.alarmsJournal(T, null, null, null, afterAck, afterAck.minusHours(1), null))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> operator.get("/api/v1/tenants/" + T + "/alarms/x/journal", new TypeReference<AlarmJournal>() { }))
                .isInstanceOfSatisfying(OmniglassClient.ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
}
