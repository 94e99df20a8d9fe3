package io.omniglass.core.cdc;

import io.nats.client.Nats;
import io.nats.client.Options;
import io.omniglass.core.tenancy.Tenant;
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
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * JetStream storing slowly but steadily (nats-server fsyncs every message; on a busy disk that is
 * a millisecond or more each) must not fail the publisher. A backlog committed long before is
 * published at once, and its PubAcks then trickle in for longer than the ack timeout: the session
 * has to go on while acks keep coming, and fail only when they stop. The slow store is the real
 * nats-server, stopped and continued with signals.
 */
class CdcSlowStoreTest {

    static TestCore core;
    static Tenant tenant;
    static DataSource db;
    static long natsPid;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of()); // no CdcModule: the test's session is the slot's only reader
        tenant = core.createTenant("slowstore");
        db = core.core().context().tenantDataSource(tenant);
        natsPid = core.core().context().infrastructure().embeddedNatsPid().orElseThrow();
    }

    @AfterAll
    static void stop() throws Exception {
        signal("CONT");
        if (core != null) {
            core.close();
        }
    }

    @Test
    void aBacklogWhoseAcksTrickleInLongerThanTheAckTimeoutIsPublishedWithoutFailing() throws Exception {
        List<Long> committed = new ArrayList<>();
        try (Connection c = db.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO audit_log (actor, verb, resource, new)"
                     + " SELECT 'slow', 'write', 'r-' || g, '{}'::jsonb FROM generate_series(1, 100) g RETURNING id")) {
            for (int txn = 0; txn < 20; txn++) {
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        committed.add(rs.getLong(1));
                    }
                }
            }
        }
        Duration ackTimeout = Duration.ofSeconds(1);
        Thread.sleep(ackTimeout.toMillis() + 500); // every change is older than the ack timeout when it is published

        CdcStats stats = new CdcStats(tenant.slug(), null);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        AtomicBoolean slow = new AtomicBoolean(true);
        Thread store = new Thread(() -> {
            // nats-server runs a few ms in every 150: each ack comes well inside the timeout, and
            // the backlog's 2,000 acks are spread over several timeouts
            try {
                while (slow.get()) {
                    signal("STOP");
                    Thread.sleep(150);
                    signal("CONT");
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                failed.compareAndSet(null, e);
            } finally {
                signal("CONT");
            }
        }, "test-slow-store");
        try (io.nats.client.Connection nats = Nats.connect(new Options.Builder()
                .server(core.core().context().infrastructure().natsUrl()).noReconnect().reconnectBufferSize(0).build())) {
            CdcSession.Settings settings = new CdcSession.Settings(8192, Duration.ofMillis(500), Duration.ofSeconds(15), ackTimeout);
            Thread publisher = new Thread(() -> {
                try (CdcSession session = new CdcSession(CdcSession.Source.of(core.core().context(), tenant, tenant.slotName()),
                        nats, running::get, stats, null, settings, null)) {
                    session.run();
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                }
            }, "test-cdc-publisher");
            store.start();
            publisher.start();
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                        .until(() -> failed.get() != null || stats.publishedCount() >= committed.size());
            } finally {
                slow.set(false);
                store.join(5_000);
                running.set(false);
                publisher.join(15_000);
            }
            assertThat(failed.get()).as("the session failed while acks kept coming").isNull();
        }
        List<Long> feed = CdcFeed.readAll(core.core().context().infrastructure().natsUrl(), tenant.slug()).stream()
                .filter(ch -> ch.table().equals("audit_log") && ch.row() != null && !ch.row().isNull()
                        && ch.row().get("actor").asText().equals("slow"))
                .map(ch -> ch.row().get("id").asLong())
                .toList();
        assertThat(feed).containsExactlyElementsOf(committed);
    }

    private static void signal(String name) {
        try {
            new ProcessBuilder("kill", "-" + name, Long.toString(natsPid)).inheritIO().start().waitFor();
        } catch (Exception e) {
            throw new IllegalStateException("kill -" + name + " " + natsPid + ": " + e, e);
        }
    }
}
