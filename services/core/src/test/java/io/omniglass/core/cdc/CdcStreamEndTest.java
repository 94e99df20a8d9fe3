package io.omniglass.core.cdc;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A drain on a newly opened replication session under the same lease term as the feed's last
 * clean drain starts where that drain left the tenant's stream: no STREAM.INFO and no read of the
 * last message per drain (on a loaded nats-server each one waited for those). The changes still
 * arrive in commit order, each once; and when something else stored a message in the stream
 * meanwhile (a publisher of an older term that had not yet seen its fence), the known end is
 * refused by the first publish's expected last sequence, the next session asks, and nothing is lost
 * or doubled.
 */
class CdcStreamEndTest {

    static TestCore core;
    static Tenant tenant;

    @BeforeAll
    static void start() {
        // one session; no replication connection kept open, so that every drain opens one; a long
        // lease (no new term from a slow renewal on a loaded machine)
        CdcSettings settings = new CdcSettings(1, 1, Duration.ofSeconds(15), Duration.ofMillis(500), Duration.ofSeconds(60),
                Duration.ofSeconds(1), 32L * 1024 * 1024, 0, Duration.ofSeconds(3));
        CdcModule cdc = new CdcModule(settings);
        core = TestCore.start(List.of(cdc));
        tenant = core.createTenant("streamend");
        await().atMost(Duration.ofSeconds(60)).until(() -> cdc.leaderCount() == 1);
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void drainsOnNewSessionsDoNotAskJetStreamForTheStreamsEndAndAStaleEndIsFenced() throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> arrived = new CopyOnWriteArrayList<>();
        AtomicInteger streamInfos = new AtomicInteger();
        String stream = TenantStreams.cdcStream(tenant.slug());
        try (Connection nats = Nats.connect(core.core().context().infrastructure().natsUrl())) {
            // what the stream stored (a refused publish reaches plain subscribers, not the stream)
            Dispatcher stored = nats.createDispatcher();
            nats.jetStream().subscribe(TenantStreams.cdcSubject(tenant.slug(), "audit_log"), stored, m -> {
                try {
                    String resource = json.readTree(m.getData()).path("row").path("resource").asText();
                    if (resource.startsWith("end-")) {
                        arrived.add(resource);
                    }
                } catch (java.io.IOException e) {
                    arrived.add("not json: " + new String(m.getData(), StandardCharsets.UTF_8));
                }
            }, true, io.nats.client.PushSubscribeOptions.builder().stream(stream).ordered(true).build());
            Dispatcher d = nats.createDispatcher(m -> streamInfos.incrementAndGet());
            // the requests a session sends JetStream for the stream's end (the server answers them;
            // a subscriber sees them too)
            d.subscribe("$JS.API.STREAM.INFO." + stream);
            d.subscribe("$JS.API.STREAM.MSG.GET." + stream);
            d.subscribe("$JS.API.DIRECT.GET." + stream + ".>");
            nats.flush(Duration.ofSeconds(5));

            List<String> expected = new ArrayList<>();
            commit("end-1");
            expected.add("end-1");
            await().atMost(Duration.ofSeconds(60)).until(() -> arrived.containsAll(expected));
            Thread.sleep(300); // the drain's end: its session closed, the stream's end known to the feed

            double opened = counter("og_cdc_session_opened");
            int asked = streamInfos.get();
            for (int i = 2; i <= 6; i++) {
                commit("end-" + i);
                expected.add("end-" + i);
                await().atMost(Duration.ofSeconds(60)).until(() -> arrived.containsAll(expected));
                Thread.sleep(200);
            }
            assertThat(counter("og_cdc_session_opened") - opened).as("a new replication session per drain")
                    .isGreaterThanOrEqualTo(5);
            assertThat(streamInfos.get() - asked).as("requests for the stream's end over five drains under one lease term")
                    .isLessThanOrEqualTo(1);
            assertThat(arrived).as("in commit order, each once").containsExactlyElementsOf(expected);

            // something else stores in the stream: the known end is stale now
            nats.jetStream().publish(TenantStreams.cdcSubject(tenant.slug(), "audit_log"),
                    "{\"row\":{\"resource\":\"stale\"}}".getBytes(StandardCharsets.UTF_8));
            for (int i = 7; i <= 8; i++) {
                commit("end-" + i);
                expected.add("end-" + i);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> arrived.containsAll(expected));
            Thread.sleep(500);
            assertThat(arrived).as("after a stale end: in commit order, each once").containsExactlyElementsOf(expected);
        }
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
}
