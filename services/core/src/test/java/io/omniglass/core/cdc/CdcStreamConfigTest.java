package io.omniglass.core.cdc;

import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.omniglass.core.runtime.StreamConfigs;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Every configuration write the core makes to a tenant's CDC stream keeps {@code allow_atomic}
 * (a field this jnats does not model): a jnats update used to turn the feed's atomic batches off
 * until the next ensure.
 */
class CdcStreamConfigTest {

    static TestCore core;
    static CdcModule cdc;
    static Tenant tenant;
    static DataSource db;

    @BeforeAll
    static void start() {
        cdc = new CdcModule();
        core = TestCore.start(List.of(cdc));
        tenant = core.createTenant("configs");
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
    void aConfigurationWriteByTheCoreKeepsAtomicBatchesOnAndThePublisherBatches() throws Exception {
        io.nats.client.Connection nats = core.core().context().nats();
        assumeThat(nats.getServerInfo().isSameOrNewerThanVersion("2.12.0"))
                .as("nats-server 2.12+ (packaging/nats-server/fetch.sh fetches 2.15)").isTrue();
        String stream = TenantStreams.cdcStream(tenant.slug());
        assertThat(StreamConfigs.isOn(StreamConfigs.read(nats, stream), "allow_atomic")).isTrue();
        // as if the stream had been made under another duplicate window: the next ensure rewrites it
        CdcFeed.updateStreamConfig(natsUrl(), stream, "duplicate_window", Long.toString(Duration.ofMinutes(1).toNanos()));

        // every stream update the core sends, as it goes out on the wire
        List<String> writes = new CopyOnWriteArrayList<>();
        try (io.nats.client.Connection wire = Nats.connect(natsUrl())) {
            Dispatcher d = wire.createDispatcher(m -> writes.add(new String(m.getData(), StandardCharsets.UTF_8)));
            d.subscribe("$JS.API.STREAM.UPDATE." + stream);
            wire.flush(Duration.ofSeconds(10));

            TenantStreams.ensure(nats, tenant.slug(), 1);
            // nothing left to change: neither a second ensure nor a reconcile to the same count writes
            TenantStreams.ensure(nats, tenant.slug(), 1);
            io.omniglass.core.runtime.StreamReplicas.reconcile(nats, stream, 1);
            wire.flush(Duration.ofSeconds(10));
            await().atMost(Duration.ofSeconds(10)).until(() -> !writes.isEmpty());
        }
        assertThat(writes).as("stream updates sent").hasSize(1)
                .allSatisfy(body -> assertThat(body).contains("\"allow_atomic\":true"));
        Map<String, io.nats.client.support.JsonValue> config = StreamConfigs.read(nats, stream);
        assertThat(StreamConfigs.isOn(config, "allow_atomic")).isTrue();
        assertThat(config.get("duplicate_window").number.longValue()).isEqualTo(TenantStreams.DUPLICATE_WINDOW.toNanos());

        // and the publisher, which reads the flag when a run starts, still stores its changes in atomic batches
        int rows = 1_500;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO audit_log (actor, verb, resource, new) VALUES ('configs', 'write', ?, '{}'::jsonb)")) {
                for (int i = 0; i < rows; i++) {
                    ps.setString(1, "c-" + i);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            c.commit();
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> feed().size() >= rows);
        List<CdcFeed.Change> feed = feed();
        assertThat(feed).hasSize(rows);
        assertThat(feed).allSatisfy(ch -> assertThat(ch.batchId()).as("change %s stored outside an atomic batch", ch.msgId()).isNotNull());
    }

    private static List<CdcFeed.Change> feed() throws Exception {
        return CdcFeed.readAll(natsUrl(), tenant.slug()).stream()
                .filter(ch -> ch.table().equals("audit_log") && ch.row() != null && !ch.row().isNull()
                        && ch.row().get("actor").asText().equals("configs"))
                .toList();
    }

    private static String natsUrl() {
        return core.core().context().infrastructure().natsUrl();
    }
}
