package io.omniglass.core.cdc;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A tenant at a live fleet's pace (a commit every 13 s: its rules raise and clear alarms) keeps its
 * replication session between commits: its commits after the first two are carried by the walsender
 * that carried the second, without a new replication connection, in commit order and each once.
 * With the defaults before this (sessions kept 10 s, none for a tenant whose interval exceeds that)
 * every one of its commits opened a new walsender.
 */
class CdcFleetPaceReuseTest {

    static final long PACE_MS = 13_000;
    static TestCore core;
    static CdcModule cdc;
    static Tenant tenant;

    @BeforeAll
    static void start() {
        // the defaults (kept-open sessions and their idle period), one base session
        cdc = new CdcModule(CdcSettings.withSessions(1, Duration.ofSeconds(10)));
        core = TestCore.start(List.of(cdc));
        tenant = core.createTenant("pace");
        await().atMost(Duration.ofSeconds(60)).until(() -> cdc.leaderCount() == 1);
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void aTenantCommittingEveryThirteenSecondsKeepsOneWalsender() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> arrived = new CopyOnWriteArrayList<>();
        try (Connection nats = Nats.connect(core.core().context().infrastructure().natsUrl())) {
            Dispatcher d = nats.createDispatcher(m -> {
                try {
                    String resource = json.readTree(m.getData()).path("row").path("resource").asText();
                    if (resource.startsWith("pace-")) {
                        arrived.add(resource);
                    }
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            d.subscribe("og." + tenant.slug() + ".cdc.audit_log");
            nats.flush(Duration.ofSeconds(5));

            List<String> expected = new ArrayList<>();
            // two commits to learn the tenant's pace from (its first says nothing of its interval)
            for (int i = 1; i <= 2; i++) {
                if (i > 1) {
                    Thread.sleep(PACE_MS);
                }
                commit("pace-" + i);
                expected.add("pace-" + i);
                awaitArrived(arrived, expected);
            }
            Integer walsender = awaitParked();
            double opened = counter("og_cdc_session_opened");
            double reused = counter("og_cdc_session_reused");

            for (int i = 3; i <= 4; i++) {
                Thread.sleep(PACE_MS);
                assertThat(activeWalsender()).as("the tenant's session, %d ms after its last commit", PACE_MS).isEqualTo(walsender);
                commit("pace-" + i);
                expected.add("pace-" + i);
                awaitArrived(arrived, expected);
            }
            assertThat(counter("og_cdc_session_opened")).as("replication connections opened for commits 3 and 4").isEqualTo(opened);
            assertThat(counter("og_cdc_session_reused")).as("drains on the kept session").isEqualTo(reused + 2);
            assertThat(arrived).as("in commit order, each once").containsExactlyElementsOf(expected);
        }
    }

    /** The walsender holding the tenant's slot once the second commit's drain parked its session. */
    private static Integer awaitParked() {
        Integer[] pid = {null};
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            pid[0] = activeWalsender();
            assertThat(pid[0]).as("the session kept open after the tenant's second commit").isNotNull();
        });
        return pid[0];
    }

    private static double counter(String name) {
        var c = core.core().context().metrics().find(name).counter();
        return c == null ? 0 : c.count();
    }

    private static void commit(String resource) throws Exception {
        try (java.sql.Connection c = core.core().context().tenantDataSource(tenant).getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO audit_log (actor, verb, resource, new) VALUES ('probe', 'write', ?, '{}'::jsonb)")) {
            ps.setString(1, resource);
            ps.executeUpdate();
        }
        CdcWakeups.committed(tenant.slug()); // as the core's own writers do after a commit
    }

    private static void awaitArrived(List<String> arrived, List<String> expected) {
        await().atMost(Duration.ofSeconds(30)).until(() -> arrived.containsAll(expected));
    }

    /** The walsender holding the tenant's slot, or null when no session has it open. */
    private static Integer activeWalsender() throws Exception {
        try (java.sql.Connection c = core.core().context().tenantDataSource(tenant).getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, tenant.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("slot %s", tenant.slotName()).isTrue();
                int pid = rs.getInt(1);
                return rs.wasNull() ? null : pid;
            }
        }
    }
}
