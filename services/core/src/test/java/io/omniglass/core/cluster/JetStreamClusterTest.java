package io.omniglass.core.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.StreamInfo;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.sink.SinkSettings;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.NatsCluster;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.AuditCommits;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A core on a 3-node JetStream cluster (real nats-server processes, sync_interval always) with
 * OMNIGLASS_NATS_REPLICAS=3: the tenant's streams and the lease buckets are R3, and a kill -9 of
 * the node leading a stream, during ingest and during CDC, loses and doubles nothing; the killed
 * node rejoins and catches up.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JetStreamClusterTest {

    static final String TENANT = "rk";
    static final ObjectMapper JSON = new ObjectMapper();
    static TestInfra infra;
    static NatsCluster cluster;
    static TestCore core;
    static Tenant tenant;
    static DataSource db;

    @BeforeAll
    static void start() {
        infra = TestInfra.start();
        cluster = NatsCluster.start(3);
        core = TestCore.start(List.of(new SinkModule(SinkSettings.defaults()), new PlantModule(), new CdcModule()),
                cluster.env(infra));
        tenant = core.createTenant(TENANT);
        db = core.core().context().tenantDataSource(tenant);
        StringBuilder plant = new StringBuilder("name: p\nlocations: [{name: site}]\ncomponents:\n");
        for (int i = 0; i < 50; i++) {
            plant.append("  - {name: m-").append(i).append(", type: meter, location: site}\n");
        }
        new PlantImporter(db).importPlant(PlantDescription.parseTree(plant.toString()), "test", TENANT);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[]{core, cluster, infra}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // closing the rest
            }
        }
    }

    /**
     * Every test leaves the cluster whole: a node a failed test killed is started again and every
     * stream of the tenant has its replicas back, so one failure does not make the next test run
     * on two nodes (an R3 scale-up cannot be placed there).
     */
    @AfterEach
    void leaveTheClusterWhole() throws Exception {
        for (int i = 0; i < cluster.size(); i++) {
            if (!cluster.alive(i)) {
                cluster.restart(i);
            }
        }
        cluster.awaitJetStream(Duration.ofSeconds(60));
        try (Connection nc = cluster.connect()) {
            for (String stream : List.of(TenantStreams.dataStream(TENANT), TenantStreams.cdcStream(TENANT))) {
                awaitAllCurrent(nc, stream, Duration.ofSeconds(60));
            }
        }
    }

    @Test
    @Order(1)
    void theTenantsStreamsAndTheLeaseBucketsHaveThreeReplicas() throws Exception {
        try (Connection nc = cluster.connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            for (String stream : List.of(TenantStreams.dataStream(TENANT), TenantStreams.cdcStream(TENANT),
                    TenantStreams.dlqStream(TENANT), "KV_og_cdc_tenants", "KV_og_cdc_cores")) {
                StreamInfo info = jsm.getStreamInfo(stream);
                assertThat(info.getConfiguration().getReplicas()).as(stream).isEqualTo(3);
                awaitAllCurrent(nc, stream, Duration.ofSeconds(30));
            }
        }
    }

    @Test
    @Order(4)
    void streamsMadeUnderAnotherReplicaCountAreScaledToTheSetting() throws Exception {
        try (Connection nc = cluster.connect()) {
            JetStreamManagement jsm = nc.jetStreamManagement();
            // as if the tenant had been made with OMNIGLASS_NATS_REPLICAS=1 and the setting is now 3
            TenantStreams.ensure(nc, TENANT, 1);
            assertThat(jsm.getStreamInfo(TenantStreams.dataStream(TENANT)).getConfiguration().getReplicas()).isEqualTo(1);
            long before = jsm.getStreamInfo(TenantStreams.dataStream(TENANT)).getStreamState().getMsgCount();
            TenantStreams.ensure(nc, TENANT, 3);
            for (String stream : List.of(TenantStreams.dataStream(TENANT), TenantStreams.cdcStream(TENANT), TenantStreams.dlqStream(TENANT))) {
                assertThat(jsm.getStreamInfo(stream).getConfiguration().getReplicas()).as(stream).isEqualTo(3);
                awaitAllCurrent(nc, stream, Duration.ofSeconds(60));
            }
            assertThat(jsm.getStreamInfo(TenantStreams.dataStream(TENANT)).getStreamState().getMsgCount())
                    .as("messages kept through the scaling").isEqualTo(before);
        }
    }

    @Test
    @Order(2)
    void killingTheDataStreamLeaderDuringIngestLandsEveryDatapointOnce() throws Exception {
        String stream = TenantStreams.dataStream(TENANT);
        int messages = 2000;
        int perMessage = 10;
        try (Connection nc = cluster.connect()) {
            int leader = cluster.streamLeader(nc, stream);
            Publisher publisher = new Publisher(nc.jetStream(), messages, perMessage);
            publisher.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.get() >= messages / 4);
            long killedAt = System.nanoTime();
            int ackedAtKill = publisher.acked.get();
            cluster.kill9(leader);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> publisher.acked.get() > ackedAtKill);
            System.out.printf("data stream: publishing resumed %.2f s after kill -9 of its leader %s (%d retries)%n",
                    (System.nanoTime() - killedAt) / 1e9, cluster.serverName(leader), publisher.retries.get());
            publisher.join(Duration.ofSeconds(120));
            assertThat(leaderNow(nc, stream)).isNotEqualTo(leader);

            long expected = (long) messages * perMessage;
            await().atMost(Duration.ofSeconds(120)).until(() -> count("SELECT count(*) FROM metric_datapoint") >= expected);
            assertThat(count("SELECT count(*) FROM metric_datapoint")).isEqualTo(expected);
            assertThat(count("SELECT count(*) FROM (SELECT series_id, ts FROM metric_datapoint GROUP BY 1, 2 HAVING count(*) > 1) d"))
                    .isZero();
            AtomicReference<StreamInfo> info = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> {
                        info.set(nc.jetStreamManagement().getStreamInfo(stream));
                        return true;
                    });
            assertThat(info.get().getStreamState().getMsgCount())
                    .as("messages in the stream (a retried publish is deduplicated by its Nats-Msg-Id)").isEqualTo(messages);

            cluster.restart(leader);
            long restartedAt = System.nanoTime();
            awaitAllCurrent(nc, stream, Duration.ofSeconds(60));
            System.out.printf("data stream: %s rejoined and was current %.2f s after its restart%n",
                    cluster.serverName(leader), (System.nanoTime() - restartedAt) / 1e9);
        }
    }

    @Test
    @Order(3)
    void killingTheCdcStreamLeaderDuringCdcDeliversEveryChangeOnceInCommitOrder() throws Exception {
        String stream = TenantStreams.cdcStream(TENANT);
        try (Connection nc = cluster.connect(); AuditCommits writer = new AuditCommits("cluster-kill9", db::getConnection, 20)) {
            awaitAllCurrent(nc, stream, Duration.ofSeconds(30));
            int leader = cluster.streamLeader(nc, stream);
            FeedReader reader = new FeedReader(nc, "cluster-kill9");
            writer.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> reader.read().size() > 200);
            long killedAt = System.nanoTime();
            int seenAtKill = reader.read().size();
            cluster.kill9(leader);
            // a reader of the feed sees errors while the stream elects a leader: it asks again
            try {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                        .until(() -> reader.read().size() > seenAtKill + 50);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the feed did not move after the kill: " + reader.read().size() + " of "
                        + writer.ids().size() + " committed changes; last read failure: " + reader.lastFailure() + "; "
                        + cluster.replicaState(nc, stream) + "; slot: " + slotState() + "\n" + cdcThreads(), e);
            }
            System.out.printf("cdc stream: changes flowing again %.2f s after kill -9 of its leader %s%n",
                    (System.nanoTime() - killedAt) / 1e9, cluster.serverName(leader));
            Thread.sleep(2000);
            writer.stopAndJoin();
            List<Long> committed = writer.ids();
            long stoppedAt = System.nanoTime();
            AtomicReference<List<Long>> feed = new AtomicReference<>(List.of());
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> {
                    feed.set(reader.read());
                    return feed.get().size() >= committed.size();
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                List<Long> got = feed.get();
                int same = 0;
                while (same < got.size() && same < committed.size() && got.get(same).equals(committed.get(same))) {
                    same++;
                }
                throw new AssertionError("the feed holds " + got.size() + " of " + committed.size() + " committed changes, equal up to "
                        + same + (same < committed.size() ? " (next committed id " + committed.get(same) + ")" : "")
                        + "; last read failure: " + reader.lastFailure() + "; " + cluster.replicaState(nc, stream)
                        + "; slot: " + slotState() + "\n" + cdcThreads(), e);
            }
            System.out.printf("cdc stream: all %d committed changes in the feed %.2f s after the writer stopped%n",
                    committed.size(), (System.nanoTime() - stoppedAt) / 1e9);
            assertThat(feed.get()).containsExactlyElementsOf(committed);
            assertThat(leaderNow(nc, stream)).isNotEqualTo(leader);

            cluster.restart(leader);
            awaitAllCurrent(nc, stream, Duration.ofSeconds(60));
        }
    }

    /**
     * Waits until {@code stream} has a leader and every replica is current; when it does not come,
     * fails with what the leader says of each replica and the tail of every node's log.
     */
    static void awaitAllCurrent(Connection nc, String stream, Duration atMost) {
        try {
            await().atMost(atMost).pollInterval(Duration.ofMillis(100)).until(() -> cluster.allReplicasCurrent(nc, stream));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            StringBuilder b = new StringBuilder("replicas of " + stream + " not current within " + atMost + ": "
                    + cluster.replicaState(nc, stream));
            for (int i = 0; i < cluster.size(); i++) {
                b.append("\n--- ").append(cluster.serverName(i)).append(cluster.alive(i) ? "" : " (not running)")
                        .append(" ---\n").append(cluster.logTail(i, 40));
            }
            throw new AssertionError(b.toString(), e);
        }
    }

    /** The stream's leader, asking again while the cluster answers with timeouts (a node just died). */
    static int leaderNow(Connection nc, String stream) {
        AtomicInteger leader = new AtomicInteger(-1);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
            leader.set(cluster.streamLeader(nc, stream));
            return true;
        });
        return leader.get();
    }

    static String slotState() {
        return slotState(db);
    }

    /** Each slot's position and holder, and each walsender's positions: where a stuck feed stands in Postgres. */
    static String slotState(DataSource db) {
        try (java.sql.Connection c = db.getConnection(); Statement st = c.createStatement()) {
            StringBuilder b = new StringBuilder();
            try (ResultSet rs = st.executeQuery(
                    "SELECT slot_name, active, active_pid, confirmed_flush_lsn, pg_current_wal_lsn() FROM pg_replication_slots")) {
                while (rs.next()) {
                    b.append(rs.getString(1)).append(" active=").append(rs.getString(2)).append(" pid=").append(rs.getString(3))
                            .append(" confirmed=").append(rs.getString(4)).append(" wal=").append(rs.getString(5)).append("; ");
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT pid, state, sent_lsn, flush_lsn, backend_start FROM pg_stat_replication")) {
                while (rs.next()) {
                    b.append("walsender ").append(rs.getString(1)).append(' ').append(rs.getString(2)).append(" sent=")
                            .append(rs.getString(3)).append(" flush=").append(rs.getString(4)).append(" since ").append(rs.getString(5)).append("; ");
                }
            }
            return b.toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** Where the CDC threads of this JVM are now (a feed that does not move: which call holds it). */
    static String cdcThreads() {
        StringBuilder b = new StringBuilder("CDC threads:");
        Thread.getAllStackTraces().forEach((t, stack) -> {
            if (t.getName().startsWith("og-cdc")) {
                b.append("\n\"").append(t.getName()).append("\" ").append(t.getState());
                for (int i = 0; i < Math.min(stack.length, 25); i++) {
                    b.append("\n    at ").append(stack[i]);
                }
            }
        });
        return b.toString();
    }

    static long count(String sql) throws Exception {
        try (java.sql.Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Publishes {@code messages} messages of distinct datapoints, each with its Nats-Msg-Id, as a
     * device does: a publish that fails or times out (its stream is electing a leader) is sent
     * again with the same id until a PubAck comes, so the stream keeps it once.
     */
    static final class Publisher {
        final AtomicInteger acked = new AtomicInteger();
        final AtomicInteger retries = new AtomicInteger();
        private final AtomicReference<Throwable> failed = new AtomicReference<>();
        private final Thread thread;

        Publisher(JetStream js, int messages, int perMessage) {
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);
            this.thread = new Thread(() -> {
                try {
                    for (int m = 0; m < messages; m++) {
                        List<Map<String, Object>> body = new ArrayList<>();
                        for (int k = 0; k < perMessage; k++) {
                            long n = (long) m * perMessage + k;
                            body.add(dp("component:m-" + (n % 50), "flow", t0.plusMillis(n), (double) n));
                        }
                        byte[] data = JSON.writeValueAsBytes(body);
                        PublishOptions o = PublishOptions.builder().messageId("cl-" + m).build();
                        while (true) {
                            try {
                                js.publish(TenantStreams.dataSubject(TENANT, "metric"), data, o);
                                break;
                            } catch (IOException | JetStreamApiException e) {
                                retries.incrementAndGet();
                                Thread.sleep(100);
                            }
                        }
                        acked.incrementAndGet();
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "cluster-publisher");
        }

        void start() {
            thread.start();
        }

        void join(Duration timeout) throws InterruptedException {
            thread.join(timeout.toMillis());
            assertThat(thread.isAlive()).as("publisher finished").isFalse();
            assertThat(failed.get()).isNull();
        }
    }

    static Map<String, Object> dp(String owner, String key, Instant ts, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", owner);
        m.put("key", key);
        m.put("ts", ts.toString());
        m.put("value", value);
        m.put("source", "test");
        m.put("source_rule", "test-poll");
        m.put("source_rule_version", 1);
        return m;
    }


    /**
     * The ids of one actor's audit rows in the CDC stream, in stream order, read incrementally:
     * each {@link #read} takes only what the stream gained since the last one (an ordered consumer
     * from the next sequence), so polling a growing stream on a loaded machine stays cheap. A read
     * that fails (the stream is electing a leader) keeps what it had read; the next one goes on.
     */
    static final class FeedReader {
        private final Connection nc;
        private final String actor;
        private final List<Long> ids = new ArrayList<>();
        private long next = 1;
        private volatile Throwable lastFailure;

        FeedReader(Connection nc, String actor) {
            this.nc = nc;
            this.actor = actor;
        }

        /** Everything of the actor's up to the stream's last sequence now; never throws. */
        synchronized List<Long> read() {
            try {
                readNew();
            } catch (Exception e) {
                lastFailure = e;
            }
            return List.copyOf(ids);
        }

        Throwable lastFailure() {
            return lastFailure;
        }

        private void readNew() throws Exception {
            String stream = TenantStreams.cdcStream(TENANT);
            long last = nc.jetStreamManagement().getStreamInfo(stream).getStreamState().getLastSequence();
            if (last < next) {
                return;
            }
            JetStreamSubscription sub = nc.jetStream().subscribe("og." + TENANT + ".cdc.>",
                    PushSubscribeOptions.builder().stream(stream).ordered(true).configuration(
                            io.nats.client.api.ConsumerConfiguration.builder()
                                    .deliverPolicy(io.nats.client.api.DeliverPolicy.ByStartSequence).startSequence(next).build())
                            .build());
            try {
                while (next <= last) {
                    Message m = sub.nextMessage(Duration.ofSeconds(10));
                    if (m == null) {
                        throw new IllegalStateException("stream " + stream + " read stalled at " + next + " of " + last);
                    }
                    JsonNode body = JSON.readTree(m.getData());
                    if (body.path("table").asText().equals("audit_log") && body.path("row").path("actor").asText().equals(actor)) {
                        ids.add(body.path("row").path("id").asLong());
                    }
                    next = m.metaData().streamSequence() + 1;
                }
            } finally {
                sub.unsubscribe();
            }
        }
    }
}
