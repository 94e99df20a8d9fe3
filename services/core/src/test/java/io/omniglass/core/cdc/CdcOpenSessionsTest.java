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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The replication connections of recently active tenants stay open, bounded: a tenant's next
 * commit goes on on the walsender that carried its last one (no new connection, no new
 * START_REPLICATION), in commit order and each change once; beyond the bound the least recently
 * used one is closed; after the idle period none is left, so an idle fleet holds no walsender.
 */
class CdcOpenSessionsTest {

    static final Duration OPEN_IDLE = Duration.ofSeconds(3);
    static TestCore core;
    static final List<Tenant> tenants = new ArrayList<>();

    @BeforeAll
    static void start() {
        // one base session, two while busy; two replication connections kept open, for 3 s
        CdcSettings settings = new CdcSettings(1, 2, Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofSeconds(10),
                Duration.ofSeconds(1), 32L * 1024 * 1024, 2, OPEN_IDLE);
        CdcModule cdc = new CdcModule(settings);
        core = TestCore.start(List.of(cdc));
        for (String slug : List.of("opena", "openb", "openc")) {
            tenants.add(core.createTenant(slug));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> cdc.leaderCount() == tenants.size());
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void aRecentlyActiveTenantsNextCommitGoesOnOnTheSameWalsenderAndIdleOnesAreClosed() throws Exception {
        Tenant a = tenants.get(0);
        Tenant b = tenants.get(1);
        Tenant c = tenants.get(2);
        ObjectMapper json = new ObjectMapper();
        Map<String, List<String>> arrived = new ConcurrentHashMap<>();
        try (Connection nats = Nats.connect(core.core().context().infrastructure().natsUrl())) {
            Dispatcher d = nats.createDispatcher(m -> {
                try {
                    String resource = json.readTree(m.getData()).path("row").path("resource").asText();
                    if (resource.startsWith("open-")) {
                        arrived.computeIfAbsent(m.getSubject().split("\\.")[1], k -> new CopyOnWriteArrayList<>()).add(resource);
                    }
                } catch (java.io.IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            d.subscribe("og.*.cdc.audit_log");
            nats.flush(Duration.ofSeconds(5));
            // provisioning's own changes and the take-over drains settle first: no slot is active
            await().atMost(Duration.ofSeconds(60)).until(() -> activeWalsender(a) == null && activeWalsender(b) == null
                    && activeWalsender(c) == null);

            commit(a, "open-a-1");
            awaitArrived(arrived, a, List.of("open-a-1"));
            Integer first = activeWalsender(a);
            assertThat(first).as("a's replication connection kept open after its drain").isNotNull();

            List<String> expected = new ArrayList<>(List.of("open-a-1"));
            for (int i = 2; i <= 6; i++) {
                commit(a, "open-a-" + i);
                expected.add("open-a-" + i);
            }
            awaitArrived(arrived, a, expected);
            assertThat(arrived.get(a.slug())).as("a's changes on the reused session: in commit order, each once")
                    .containsExactlyElementsOf(expected);
            assertThat(activeWalsender(a)).as("the walsender that carried a's commits").isEqualTo(first);

            // two kept open at most: b and c push a (the least recently used) out
            commit(b, "open-b-1");
            awaitArrived(arrived, b, List.of("open-b-1"));
            commit(c, "open-c-1");
            awaitArrived(arrived, c, List.of("open-c-1"));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(activeWalsender(a)).as("a's session, beyond the bound of two").isNull();
                assertThat(activeWalsender(c)).as("c's session, the most recent").isNotNull();
            });

            // idle: every one of them closed after the idle period
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(activeWalsender(b)).isNull();
                assertThat(activeWalsender(c)).isNull();
                assertThat(walsenders()).as("walsenders once the fleet is idle").isZero();
            });

            // and the next commit opens a session again
            commit(a, "open-a-7");
            expected.add("open-a-7");
            awaitArrived(arrived, a, expected);
            assertThat(arrived.get(a.slug())).containsExactlyElementsOf(expected);
            assertThat(activeWalsender(a)).as("a fresh walsender").isNotNull().isNotEqualTo(first);
        }
    }

    private static void commit(Tenant t, String resource) throws Exception {
        try (java.sql.Connection c = core.core().context().tenantDataSource(t).getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO audit_log (actor, verb, resource, new) VALUES ('probe', 'write', ?, '{}'::jsonb)")) {
            ps.setString(1, resource);
            ps.executeUpdate();
        }
        CdcWakeups.committed(t.slug()); // as the core's own writers do after a commit
    }

    private static void awaitArrived(Map<String, List<String>> arrived, Tenant t, List<String> expected) {
        await().atMost(Duration.ofSeconds(60)).until(() -> arrived.getOrDefault(t.slug(), List.of()).containsAll(expected));
    }

    /** The walsender holding the tenant's slot, or null when no session has it open. */
    private static Integer activeWalsender(Tenant t) throws Exception {
        try (java.sql.Connection c = core.core().context().tenantDataSource(t).getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT active_pid FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, t.slotName());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("slot %s", t.slotName()).isTrue();
                int pid = rs.getInt(1);
                return rs.wasNull() ? null : pid;
            }
        }
    }

    private static long walsenders() throws Exception {
        try (java.sql.Connection c = core.core().context().tenantDataSource(tenants.get(0)).getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'omniglass-cdc'");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
