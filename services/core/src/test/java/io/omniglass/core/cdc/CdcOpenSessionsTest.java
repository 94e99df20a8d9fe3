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
 * The replication connections of tenants expected back soon stay open, bounded: a tenant's next
 * commit goes on on the walsender that carried its last one (no new connection, no new
 * START_REPLICATION), in commit order and each change once; no more than the bound are open;
 * after the idle period none is left, so an idle fleet holds no walsender; a tenant quiet for
 * longer than the idle period is not kept open after its next commit (ParkPolicy).
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

            // quiet for more than twice the idle period: a's next commit is not expected to be followed by
            // another within it, so its session is closed after the drain rather than kept decoding for nobody
            Thread.sleep(2 * OPEN_IDLE.toMillis() + 500);
            double declinedBefore = counter("og_cdc_session_park", "declined");
            double parkedBefore = counter("og_cdc_session_park", "parked");
            commit(a, "open-a-1");
            awaitArrived(arrived, a, List.of("open-a-1"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(counter("og_cdc_session_park", "declined")).as("a's session after its quiet spell, not kept")
                        .isEqualTo(declinedBefore + 1);
                assertThat(activeWalsender(a)).isNull();
            });
            assertThat(counter("og_cdc_session_park", "parked")).as("nothing kept for a").isEqualTo(parkedBefore);

            // its next drain comes right after the last one ended: that session is kept
            commit(a, "open-a-2");
            awaitArrived(arrived, a, List.of("open-a-1", "open-a-2"));
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(counter("og_cdc_session_park", "parked")).as("a's session, back soon").isGreaterThan(parkedBefore));
            Integer first = activeWalsender(a);
            assertThat(first).as("a's replication connection kept open after its drain").isNotNull();

            List<String> expected = new ArrayList<>(List.of("open-a-1", "open-a-2"));
            for (int i = 3; i <= 6; i++) {
                commit(a, "open-a-" + i);
                expected.add("open-a-" + i);
            }
            awaitArrived(arrived, a, expected);
            assertThat(arrived.get(a.slug())).as("a's changes on the reused session: in commit order, each once")
                    .containsExactlyElementsOf(expected);
            assertThat(activeWalsender(a)).as("the walsender that carried a's commits").isEqualTo(first);

            // two kept open at most, whoever is given the places
            commit(b, "open-b-1");
            awaitArrived(arrived, b, List.of("open-b-1"));
            commit(c, "open-c-1");
            awaitArrived(arrived, c, List.of("open-c-1"));
            int open = 0;
            for (Tenant t : tenants) {
                open += activeWalsender(t) == null ? 0 : 1;
            }
            assertThat(open).as("sessions open on a, b and c with two places").isLessThanOrEqualTo(2);

            // idle: every one of them closed after the idle period
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                assertThat(activeWalsender(b)).isNull();
                assertThat(activeWalsender(c)).isNull();
                assertThat(walsenders()).as("walsenders once the fleet is idle").isZero();
            });

            // and after the idle closure, the next commit is carried on a fresh walsender
            double opened = counter("og_cdc_session_opened", null);
            commit(a, "open-a-7");
            expected.add("open-a-7");
            awaitArrived(arrived, a, expected);
            assertThat(arrived.get(a.slug())).containsExactlyElementsOf(expected);
            assertThat(counter("og_cdc_session_opened", null)).as("a fresh walsender").isGreaterThan(opened);
        }
    }

    /** A counter of the core's registry (outcome: the park counter's tag; null: untagged). */
    private static double counter(String name, String outcome) {
        var search = core.core().context().metrics().find(name);
        if (outcome != null) {
            search = search.tag("outcome", outcome);
        }
        var c = search.counter();
        return c == null ? 0 : c.count();
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
