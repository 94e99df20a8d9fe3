package io.omniglass.core.cdc;

import io.nats.client.Message;
import io.nats.client.Nats;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The publisher on a nats-server with atomic batch publish (2.12+, the one packaging/nats-server
 * fetches): the tenant's CDC stream allows it, the feed is stored in atomic batches of at most
 * {@value CdcSession#MAX_BATCH} changes (nats-server keeps each stored message's
 * {@code Nats-Batch-Id}), every change once and in commit order; and a batch JetStream refuses
 * leaves none of its changes in the stream, then lands whole, in order, when the publisher starts over.
 */
class CdcAtomicBatchTest {

    static TestCore core;
    static CdcModule cdc;
    static Tenant tenant;
    static DataSource db;

    @BeforeAll
    static void start() {
        cdc = new CdcModule();
        core = TestCore.start(List.of(cdc));
        tenant = core.createTenant("batches");
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
    void aBacklogIsStoredInAtomicBatchesOnceAndInCommitOrder() throws Exception {
        assumeThat(core.core().context().nats().getServerInfo().isSameOrNewerThanVersion("2.12.0"))
                .as("nats-server 2.12+ (packaging/nats-server/fetch.sh fetches 2.15)").isTrue();
        assertThat(streamConfig().get("allow_atomic")).isEqualTo("true");

        List<Long> committed = new ArrayList<>();
        // one transaction larger than a batch, then small ones: the walsender sends them at once
        commit(committed, "big", 2_500);
        for (int t = 0; t < 40; t++) {
            commit(committed, "small", 10);
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> feed("big", "small").size() >= committed.size());
        List<CdcFeed.Change> feed = feed("big", "small");
        assertThat(feed).extracting(c -> c.row().get("id").asLong()).containsExactlyElementsOf(committed);

        Map<String, Integer> batchSizes = new LinkedHashMap<>();
        for (CdcFeed.Change c : feed) {
            assertThat(c.batchId()).as("change %s stored outside an atomic batch", c.msgId()).isNotNull();
            batchSizes.merge(c.batchId(), 1, Integer::sum);
        }
        assertThat(batchSizes.values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(CdcSession.MAX_BATCH));
        // 2,900 changes in far fewer PubAcks than changes: at least three batches for the big transaction
        assertThat(batchSizes.size()).isBetween(3, committed.size() / 10);
        assertThat(new HashSet<>(feed.stream().map(CdcFeed.Change::msgId).toList())).hasSize(committed.size());
    }

    @Test
    void aRefusedBatchStoresNoneOfItsChangesAndLandsWholeWhenThePublisherStartsOver() throws Exception {
        assumeThat(core.core().context().nats().getServerInfo().isSameOrNewerThanVersion("2.12.0"))
                .as("nats-server 2.12+ (packaging/nats-server/fetch.sh fetches 2.15)").isTrue();
        String stream = TenantStreams.cdcStream(tenant.slug());
        long before = CdcFeed.count(natsUrl(), tenant.slug());
        // JetStream refuses a change larger than the stream allows; allow_atomic stays on
        CdcFeed.updateStreamConfig(natsUrl(), stream, "max_msg_size", "4096");
        // the publisher's attempts as they go out on the wire (core NATS sees a publish JetStream refuses)
        java.util.concurrent.atomic.AtomicInteger firstChangeSent = new java.util.concurrent.atomic.AtomicInteger();
        io.nats.client.Connection wire = Nats.connect(natsUrl());
        wire.createDispatcher(m -> {
            String body = new String(m.getData(), StandardCharsets.UTF_8);
            if (body.contains("\"refused\"") && body.contains("\"r-0\"")) {
                firstChangeSent.incrementAndGet();
            }
        }).subscribe(TenantStreams.cdcSubject(tenant.slug(), "audit_log"));
        wire.flush(Duration.ofSeconds(10));
        List<Long> committed = new ArrayList<>();
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO audit_log (actor, verb, resource, new) VALUES ('refused', 'write', ?, ?::jsonb) RETURNING id")) {
                for (int i = 0; i < 300; i++) {
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
        // the publisher is refused and starts over, again and again, while the stream is too small:
        // the small change before the large one is in the same batch and must not be stored either
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> firstChangeSent.get() >= 2);
        } finally {
            wire.close();
        }
        assertThat(CdcFeed.count(natsUrl(), tenant.slug())).isEqualTo(before);

        CdcFeed.updateStreamConfig(natsUrl(), stream, "max_msg_size", "-1");
        await().atMost(Duration.ofSeconds(60)).until(() -> feed("refused").size() >= committed.size());
        assertThat(feed("refused")).extracting(c -> c.row().get("id").asLong()).containsExactlyElementsOf(committed);
        assertThat(streamConfig().get("allow_atomic")).isEqualTo("true");
    }

    private static void commit(List<Long> ids, String actor, int rows) throws Exception {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO audit_log (actor, verb, resource, new) VALUES (?, 'write', ?, '{}'::jsonb) RETURNING id")) {
                for (int i = 0; i < rows; i++) {
                    ps.setString(1, actor);
                    ps.setString(2, actor + "-" + i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        ids.add(rs.getLong(1));
                    }
                }
            }
            c.commit();
        }
    }

    private static List<CdcFeed.Change> feed(String... actors) throws Exception {
        List<String> wanted = List.of(actors);
        return CdcFeed.readAll(natsUrl(), tenant.slug()).stream()
                .filter(ch -> ch.table().equals("audit_log") && ch.row() != null && !ch.row().isNull()
                        && wanted.contains(ch.row().get("actor").asText()))
                .toList();
    }

    private static String natsUrl() {
        return core.core().context().infrastructure().natsUrl();
    }

    /** The stream's configuration as nats-server holds it (this jnats does not model allow_atomic). */
    private static Map<String, String> streamConfig() throws Exception {
        try (io.nats.client.Connection nc = Nats.connect(natsUrl())) {
            Message m = nc.request("$JS.API.STREAM.INFO." + TenantStreams.cdcStream(tenant.slug()), null, Duration.ofSeconds(10));
            var json = io.nats.client.support.JsonParser.parse(new String(m.getData(), StandardCharsets.UTF_8));
            Map<String, String> out = new LinkedHashMap<>();
            json.map.get("config").map.forEach((k, v) -> out.put(k, v.toString()));
            return out;
        }
    }

}
