package io.omniglass.core.rules;

import io.nats.client.Connection;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static io.omniglass.core.rules.RulesFixture.count;
import static io.omniglass.core.rules.RulesFixture.metric;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A backlog replayed behind live series: the rules leave it undecoded (it cannot change an alarm,
 * since the live decision ignores a sample not newer than the last), and still decide every
 * datapoint that is newer, a backfill of a series' own gap included.
 */
class RulesBackfillTest {

    static TestInfra infra;
    static TestCore core;
    static RulesModule rules = new RulesModule();
    static DataSource db;
    static Connection nats;

    @BeforeAll
    static void start() {
        infra = TestInfra.start();
        core = TestCore.start(List.of(new io.omniglass.core.gateway.GatewayModule(), new io.omniglass.core.sink.SinkModule(), rules), infra.env());
        Tenant tenant = core.createTenant("backfill");
        db = core.core().context().tenantDataSource(tenant);
        RulesFixture.importPlant(db, tenant.slug());
        await().atMost(Duration.ofSeconds(30)).until(() -> rules.serving("backfill"));
        rules.reload("backfill");
        nats = core.core().context().nats();
    }

    @AfterAll
    static void stop() throws Exception {
        if (core != null) {
            core.close();
        }
        if (infra != null) {
            infra.close();
        }
    }

    @Test
    void aBacklogOlderThanTheLiveValuesIsSkippedUndecodedAndNewerDatapointsStillRaise() throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        metric(nats, "backfill", "component:pump-1", "temperature", now.minusSeconds(5), 70.0, null, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> lastTs("component:pump-1", now.minusSeconds(5)));

        // 20 messages of 100 datapoints, days old, every one above the threshold: raised live they would
        // each be a fresh alarm of the past; behind the live value they cannot change anything
        Instant backlog = now.minus(Duration.ofDays(3));
        for (int m = 0; m < 20; m++) {
            StringBuilder body = new StringBuilder("[");
            for (int i = 0; i < 100; i++) {
                Instant ts = backlog.plusSeconds(60L * (m * 100 + i));
                body.append(i == 0 ? "" : ",").append("{\"owner\":\"component:pump-1\",\"key\":\"temperature\",\"ts\":\"")
                        .append(ts).append("\",\"value\":95.0,\"source\":\"sim\",\"source_rule\":\"sim-poll\",\"source_rule_version\":1}");
            }
            RulesFixture.publish(nats, TenantStreams.dataSubject("backfill", "metric"), body.append(']').toString(), "backlog-" + m, null);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> skipped() >= 20);
        // the sink stored the backlog all the same (a replay is for the history, not for alarms)
        await().atMost(Duration.ofSeconds(60)).until(() ->
                count(db, "SELECT count(*) FROM metric_datapoint m JOIN series s ON s.id = m.series_id"
                        + " WHERE s.owner = 'component:pump-1' AND m.ts < ?::timestamptz", now.minusSeconds(60).toString()) == 2000);
        assertThat(count(db, "SELECT count(*) FROM alarm WHERE owner = 'component:pump-1'")).isZero();
        assertThat(lastTs("component:pump-1", now.minusSeconds(5))).as("the rule's state is still the live value's").isTrue();

        // a live datapoint after the backlog is decided as ever: it raises
        metric(nats, "backfill", "component:pump-1", "temperature", now.minusSeconds(1), 95.0, null, null);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                count(db, "SELECT count(*) FROM alarm WHERE owner = 'component:pump-1' AND state = 'active'") == 1);

        // a series whose own gap is filled (nothing decided after it) is decided sample by sample:
        // pump-2 crosses, clears and crosses again in its backfill, and the alarm follows
        double[] values = {70, 92, 78, 93};
        Instant gap = now.minus(Duration.ofHours(6));
        for (int i = 0; i < values.length; i++) {
            metric(nats, "backfill", "component:pump-2", "temperature", gap.plusSeconds(60L * i), values[i], null, null);
        }
        await().atMost(Duration.ofSeconds(30)).until(() ->
                count(db, "SELECT count(*) FROM event WHERE owner = 'component:pump-2' AND name IN ('alarm.raised', 'alarm.cleared')") == 3);
        assertThat(count(db, "SELECT count(*) FROM alarm WHERE owner = 'component:pump-2' AND state = 'active'")).isEqualTo(1);
    }

    private static boolean lastTs(String owner, Instant ts) {
        return count(db, "SELECT count(*) FROM event_rule_state s JOIN event_rule r ON r.id = s.event_rule_id"
                + " WHERE r.name = 'pump-temperature-high' AND s.owner = ? AND s.last_ts = ?::timestamptz", owner, ts.toString()) == 1;
    }

    private static double skipped() {
        var c = core.core().context().metrics().find("og_rules_messages_skipped").tag("tenant", "backfill").counter();
        return c == null ? 0 : c.count();
    }
}
