package io.omniglass.core.cdc;

import io.nats.client.JetStreamManagement;
import io.nats.client.api.StreamConfiguration;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One PubAck of the window fails (JetStream refuses a change larger than the stream allows) while
 * the changes after it are already on their way. When the publisher starts over, the refused
 * change must land before its successors, not after them: the feed stays in commit order, once each.
 */
class CdcOrderAfterFailedAckTest {

    static TestCore core;
    static CdcModule cdc;
    static Tenant tenant;
    static DataSource db;

    @BeforeAll
    static void start() {
        cdc = new CdcModule();
        core = TestCore.start(List.of(cdc));
        tenant = core.createTenant("order");
        db = core.core().context().tenantDataSource(tenant);
        await().atMost(Duration.ofSeconds(30)).until(() -> cdc.leaderCount() == 1);
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void aRefusedChangeIsStoredBeforeItsSuccessorsWhenThePublisherStartsOver() throws Exception {
        JetStreamManagement jsm = core.core().context().nats().jetStreamManagement();
        String stream = TenantStreams.cdcStream(tenant.slug());
        StreamConfiguration original = jsm.getStreamInfo(stream).getConfiguration();
        // written through jnats, which does not model allow_atomic: the stream loses it, and this is
        // the change-by-change path (nats-server 2.10/2.11); CdcAtomicBatchTest refuses a batch
        jsm.updateStream(StreamConfiguration.builder(original).maximumMessageSize(4096).build());

        List<Long> committed = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO audit_log (actor, verb, resource, new) VALUES ('order', 'write', ?, ?::jsonb) RETURNING id")) {
                // one transaction: a small change, one too large for the stream, then 500 small ones,
                // all sent by the walsender at once, so successors are published before the refusal is read
                for (int i = 0; i < 502; i++) {
                    ps.setString(1, "r-" + i);
                    ps.setString(2, i == 1 ? "{\"pad\": \"" + "x".repeat(20_000) + "\"}" : "{}");
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        committed.add(rs.getLong(1));
                    }
                }
            }
            c.commit();
        }
        // announced as the core's own writers do: written from outside, the commit would wait for the
        // sweep, whose first look at a new tenant only takes its write count (up to two sweep periods,
        // the whole of the wait below); the order after a refusal is what this test is about
        CdcWakeups.committed(tenant.slug());
        // the publisher retries and is refused while the stream is too small for the change
        await().atMost(Duration.ofSeconds(20)).until(() -> feedIds().contains(committed.get(0)));
        Thread.sleep(2000);
        assertThat(feedIds()).doesNotContain(committed.get(1));

        jsm.updateStream(StreamConfiguration.builder(original).build());
        await().atMost(Duration.ofSeconds(30)).until(() -> feedIds().size() >= committed.size());
        Thread.sleep(500); // a duplicate would show up beyond the expected count
        List<Long> feed = feedIds();
        assertThat(feed).containsExactlyElementsOf(committed);
        assertThat(new HashSet<>(feed)).hasSize(committed.size());
    }

    static List<Long> feedIds() throws Exception {
        return CdcFeed.readAll(core.core().context().infrastructure().natsUrl(), tenant.slug()).stream()
                .filter(ch -> ch.table().equals("audit_log") && ch.row() != null && !ch.row().isNull()
                        && ch.row().get("actor").asText().equals("order"))
                .map(ch -> ch.row().get("id").asLong())
                .toList();
    }
}
