package io.omniglass.core.cdc;

import io.omniglass.api.OmniglassClient;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.testing.CoreProcess;
import io.omniglass.core.testing.AuditCommits;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Core instances as separate OS processes on a shared Postgres and nats-server: the leader is
 * killed with SIGKILL mid-stream, and the nats-server is restarted mid-stream. The feed must hold
 * every committed change, once, in commit order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CdcFailoverTest {

    static final String TENANT = "fo";
    static TestInfra infra;
    static final List<CoreProcess> cores = new ArrayList<>();
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        infra = TestInfra.start();
        CoreProcess a = CoreProcess.start(infra.env());
        cores.add(a);
        new OmniglassClient(a.httpUrl(), a.adminToken()).createTenant(TENANT, "Fail-over");
        cores.add(CoreProcess.start(infra.env()));
    }

    @AfterAll
    static void stop() {
        cores.forEach(CoreProcess::close);
        if (infra != null) {
            infra.close();
        }
    }

    @Test
    @Order(1)
    void killingTheLeaderHandsTheFeedToAnotherInstanceWithinFiveSecondsAndLosesNothing() throws Exception {
        CoreProcess leader = awaitLeader();
        CoreProcess other = cores.stream().filter(c -> c != leader).findFirst().orElseThrow();
        try (AuditCommits writer = new AuditCommits("kill9", CdcFailoverTest::tenantConnection)) {
            writer.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> feedIds("kill9").size() > 200);
            long killedAt = System.nanoTime();
            leader.kill9();
            cores.remove(leader);
            // taken over = the survivor has published a change of its own
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
                    .until(() -> metric(other, "og_cdc_changes_published_total") > 0);
            double takeoverSeconds = (System.nanoTime() - killedAt) / 1e9;
            System.out.printf("CDC take-over after kill -9 of the leader: %.2f s%n", takeoverSeconds);
            assertThat(takeoverSeconds).isLessThan(5.0);
            assertThat(metric(other, "og_cdc_leader")).isEqualTo(1.0);
            Thread.sleep(1000);
            writer.stopAndJoin();
            await().atMost(Duration.ofSeconds(30)).until(() -> feedIds("kill9").size() >= writer.ids().size());
            assertThat(feedIds("kill9")).containsExactlyElementsOf(writer.ids());
        }
        cores.add(CoreProcess.start(infra.env())); // two instances again for the next test
    }

    @Test
    @Order(2)
    void restartingNatsLosesNothingAndTheSlotNeverPassesWhatWasAcknowledged() throws Exception {
        awaitLeader();
        try (AuditCommits writer = new AuditCommits("natsrestart", CdcFailoverTest::tenantConnection)) {
            writer.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> feedIds("natsrestart").size() > 200);
            // nats-server stops (a clean shutdown), stays away 3 s, comes back on the same port and store
            infra.stopNats();
            long stoppedAtMillis = System.currentTimeMillis();
            Thread.sleep(3000);
            long confirmed = confirmedFlush(); // the publisher cannot have stored anything since the stop
            infra.startNats();
            Thread.sleep(3000);
            writer.stopAndJoin();
            await().atMost(Duration.ofSeconds(60)).until(() -> feedIds("natsrestart").size() >= writer.ids().size());
            assertThat(feedIds("natsrestart")).containsExactlyElementsOf(writer.ids());
            // every change the slot had confirmed while NATS was away was already stored before it went away
            List<CdcFeed.Change> feed = CdcFeed.readAll(infra.natsUrl(), TENANT);
            System.out.printf("slot confirmed %s while nats-server was down%n", PgOutput.lsn(confirmed));
            assertThat(confirmed).isPositive();
            for (CdcFeed.Change ch : feed) {
                if (CdcFeedTest.lsn(ch.body().get("lsn").asText()) < confirmed) {
                    assertThat(ch.storedAtMillis()).isLessThanOrEqualTo(stoppedAtMillis);
                }
            }
        }
    }

    @Test
    @Order(3)
    void leadershipOfManyTenantsSpreadsOverTheInstances() throws Exception {
        CoreProcess first = cores.get(0);
        OmniglassClient admin = new OmniglassClient(first.httpUrl(), first.adminToken());
        List<String> tenants = List.of(TENANT, "sa", "sb", "sc", "sd");
        for (String t : tenants.subList(1, tenants.size())) {
            admin.createTenant(t, t);
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            int led = 0;
            for (CoreProcess c : cores) {
                for (String t : tenants) {
                    led += (int) metric(c, "og_cdc_leader", t);
                }
            }
            return led == tenants.size(); // every tenant has exactly one leader
        });
        for (CoreProcess c : cores) {
            double mine = 0;
            for (String t : tenants) {
                mine += metric(c, "og_cdc_leader", t);
            }
            System.out.printf("instance %s leads %.0f of %d tenants%n", c.pid(), mine, tenants.size());
            assertThat(mine).isGreaterThanOrEqualTo(1);
        }
        assertThat(metric(first, "og_cdc_slot_lag_bytes", "sa")).isGreaterThanOrEqualTo(0);
    }

    @Test
    @Order(4)
    void aCleanStopGivesTheLeaseUpAtOnce() throws Exception {
        CoreProcess leader = awaitLeader();
        CoreProcess other = cores.stream().filter(c -> c != leader).findFirst().orElseThrow();
        try (io.nats.client.Connection nc = io.nats.client.Nats.connect(infra.natsUrl())) {
            io.nats.client.KeyValue leases = nc.keyValue(LeaseManager.TENANTS);
            String holder = new String(leases.get(TENANT).getValue(), java.nio.charset.StandardCharsets.UTF_8);
            long stoppedAt = System.nanoTime();
            assertThat(leader.terminate()).isNotEqualTo(-1);
            cores.remove(leader);
            // the stopped leader deleted its lease on the way out instead of leaving it to age out
            io.nats.client.api.KeyValueEntry now = leases.get(TENANT);
            assertThat(now == null || now.getOperation() != io.nats.client.api.KeyValueOperation.PUT
                    || !holder.equals(new String(now.getValue(), java.nio.charset.StandardCharsets.UTF_8))).isTrue();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> metric(other, "og_cdc_leader") == 1.0);
            System.out.printf("CDC take-over after a clean stop of the leader: %.2f s (including its shutdown)%n",
                    (System.nanoTime() - stoppedAt) / 1e9);
        }
    }


    static List<Long> feedIds(String actor) throws Exception {
        return CdcFeed.readAll(infra.natsUrl(), TENANT).stream()
                .filter(ch -> ch.table().equals("audit_log") && ch.row().get("actor").asText().equals(actor))
                .map(ch -> ch.row().get("id").asLong())
                .toList();
    }

    static long confirmedFlush() throws Exception {
        PgServer pg = infra.infrastructure().pg();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("og_t_" + TENANT), pg.user(), pg.password());
             PreparedStatement ps = c.prepareStatement(
                     "SELECT pg_wal_lsn_diff(confirmed_flush_lsn, '0/0')::bigint FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, "og_cdc_" + TENANT);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static CoreProcess awaitLeader() {
        AtomicReference<CoreProcess> leader = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (CoreProcess c : cores) {
                if (metric(c, "og_cdc_leader") == 1.0) {
                    leader.set(c);
                    return true;
                }
            }
            return false;
        });
        return leader.get();
    }

    /** One of this tenant's CDC metrics as the instance's /metrics shows it (0 when absent). */
    static double metric(CoreProcess core, String name) throws Exception {
        return metric(core, name, TENANT);
    }

    static double metric(CoreProcess core, String name, String tenant) throws Exception {
        // tenant-labelled series need a token (issue 16, finding 13)
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(core.httpUrl() + "/metrics"))
                        .header("Authorization", "Bearer " + core.adminToken()).build(),
                HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(name + "{") && line.contains("tenant=\"" + tenant + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static Connection tenantConnection() throws java.sql.SQLException {
        PgServer pg = infra.infrastructure().pg();
        return DriverManager.getConnection(pg.jdbcUrl("og_t_" + TENANT), pg.user(), pg.password());
    }
}
