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
 * PubAcks arriving slowly but steadily (nats-server fsyncs every message it stores; on a busy
 * disk that is a millisecond or more each) must not fail the publisher. A backlog committed long
 * before is published at once, and its PubAcks then trickle in for several times the ack timeout:
 * the session has to go on while acks keep coming, and fail only when they stop. The trickle is
 * a real nats-server behind a TCP relay that passes what the server sends at 10 kB/s (about 100
 * PubAcks a second), whatever the machine's load.
 */
class CdcSlowStoreTest {

    static TestCore core;
    static Tenant tenant;
    static DataSource db;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of()); // no CdcModule: the test's session is the slot's only reader
        tenant = core.createTenant("slowstore");
        db = core.core().context().tenantDataSource(tenant);
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void aBacklogWhoseAcksTrickleInLongerThanTheAckTimeoutIsPublishedWithoutFailing() throws Exception {
        // the change-by-change path (nats-server 2.10/2.11, or a stream without allow_atomic): one
        // PubAck per change, which is what trickles here; on an atomic stream one PubAck answers for
        // up to 1,000 changes and the backlog's acks would not outlast the timeout
        CdcFeed.updateStreamConfig(core.core().context().infrastructure().natsUrl(),
                io.omniglass.core.tenancy.TenantStreams.cdcStream(tenant.slug()), "allow_atomic", "false");
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
        // long enough for a real store's own stalls on a loaded machine (a fsync can take seconds
        // there); the trickle below lasts about four times as long
        Duration ackTimeout = Duration.ofSeconds(5);
        Thread.sleep(ackTimeout.toMillis() + 500); // every change is older than the ack timeout when it is published

        CdcStats stats = new CdcStats(tenant.slug(), null);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        java.net.URI nats = java.net.URI.create(core.core().context().infrastructure().natsUrl());
        try (SlowRelay relay = new SlowRelay(nats.getHost(), nats.getPort(), 512, Duration.ofMillis(50));
             io.nats.client.Connection conn = Nats.connect(new Options.Builder()
                     .server("nats://" + (nats.getRawUserInfo() == null ? "" : nats.getRawUserInfo() + "@") + "127.0.0.1:" + relay.port())
                     .noReconnect().reconnectBufferSize(0).connectionTimeout(Duration.ofSeconds(10)).build())) {
            CdcSession.Settings settings = new CdcSession.Settings(8192, Duration.ofMillis(500), Duration.ofSeconds(15), ackTimeout);
            Thread publisher = new Thread(() -> {
                try (CdcSession session = new CdcSession(CdcSession.Source.of(core.core().context(), tenant, tenant.slotName()),
                        conn, running::get, stats, null, settings, null)) {
                    session.run();
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                }
            }, "test-cdc-publisher");
            long started = System.nanoTime();
            publisher.start();
            try {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                        .until(() -> failed.get() != null || stats.publishedCount() >= committed.size());
            } finally {
                running.set(false);
                publisher.join(15_000);
            }
            assertThat(failed.get()).as("the session failed while acks kept coming").isNull();
            // the trickle really lasted longer than the timeout, or this test shows nothing
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(ackTimeout.multipliedBy(2));
        }
        List<Long> feed = CdcFeed.readAll(core.core().context().infrastructure().natsUrl(), tenant.slug()).stream()
                .filter(ch -> ch.table().equals("audit_log") && ch.row() != null && !ch.row().isNull()
                        && ch.row().get("actor").asText().equals("slow"))
                .map(ch -> ch.row().get("id").asLong())
                .toList();
        assertThat(feed).containsExactlyElementsOf(committed);
    }

    /**
     * A TCP relay to nats-server for one connection: what the client sends passes at once, what the
     * server sends passes {@code chunk} bytes at a time, one chunk per {@code pause}.
     */
    static final class SlowRelay implements AutoCloseable {
        private final java.net.ServerSocket listener = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        private final List<java.io.Closeable> open = new java.util.concurrent.CopyOnWriteArrayList<>();

        SlowRelay(String host, int port, int chunk, Duration pause) throws java.io.IOException {
            open.add(listener);
            Thread accept = new Thread(() -> {
                try {
                    java.net.Socket client = listener.accept();
                    java.net.Socket server = new java.net.Socket(host, port);
                    open.add(client);
                    open.add(server);
                    pump(client.getInputStream(), server.getOutputStream(), 64 * 1024, Duration.ZERO, "test-relay-up");
                    pump(server.getInputStream(), client.getOutputStream(), chunk, pause, "test-relay-down");
                } catch (java.io.IOException closed) {
                    // the relay was closed before a client came
                }
            }, "test-relay-accept");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private static void pump(java.io.InputStream in, java.io.OutputStream out, int chunk, Duration pause, String name) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[chunk];
                try {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        out.flush();
                        if (!pause.isZero()) {
                            Thread.sleep(pause.toMillis());
                        }
                    }
                } catch (java.io.IOException | InterruptedException closed) {
                    // either side closed
                }
            }, name);
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() {
            for (java.io.Closeable c : open) {
                try {
                    c.close();
                } catch (java.io.IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
