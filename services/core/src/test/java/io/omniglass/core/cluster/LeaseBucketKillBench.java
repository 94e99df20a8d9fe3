package io.omniglass.core.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import io.nats.client.PushSubscribeOptions;
import io.omniglass.core.cdc.CdcModule;
import io.omniglass.core.cdc.CdcWakeups;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.NatsCluster;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * By hand, not in the suite (its name does not end in Test):
 * {@code ./mvnw -B -q -pl services/core -am test -Dtest=LeaseBucketKillBench -Dsurefire.failIfNoSpecifiedTests=false
 * [-Dbench.runs=4]}. A core leads one tenant's CDC on a 3-node cluster (R3 streams and lease
 * buckets); a writer commits an audit row every 20 ms and wakes the feed as the core's own writers
 * do. Each run kills with SIGKILL the node leading the lease buckets (the CDC stream's leader moved
 * to another node first, so what is measured is the lease, not the stream's own election) and
 * reads from the stream when each change was stored: the longest commit-to-stored delay of a
 * change committed after the kill is the feed's pause. Also whether the core's lease lapsed, and
 * when it held it again. Writes docs/bench/cdc-lease-bucket-kill.json (from services/core: ../../docs).
 */
class LeaseBucketKillBench {

    static final int RUNS = Integer.getInteger("bench.runs", 4);
    static final String TENANT = "lk";
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void cdcPauseWhenTheLeaseBucketsLeaderDies() throws Exception {
        ObjectNode out = JSON.createObjectNode();
        out.put("when", Instant.now().toString());
        out.put("command", "./mvnw -B -q -pl services/core -am test -Dtest=LeaseBucketKillBench -Dsurefire.failIfNoSpecifiedTests=false");
        out.put("load_avg_start", loadAvg());
        out.put("lease_ttl_s", 3);
        ArrayNode runs = out.putArray("runs");
        // every replication session's start and end in the log, to see where a pause goes
        ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.omniglass.core.cdc"))
                .setLevel(ch.qos.logback.classic.Level.DEBUG);
        CdcModule cdc = new CdcModule();
        try (TestInfra infra = TestInfra.start(); NatsCluster cluster = NatsCluster.start(3);
             TestCore core = TestCore.start(List.of(cdc), cluster.env(infra))) {
            Tenant tenant = core.createTenant(TENANT);
            DataSource db = core.core().context().tenantDataSource(tenant);
            await().atMost(Duration.ofSeconds(60)).until(() -> cdc.leaderCount() == 1);
            try (Connection nc = cluster.connect()) {
                for (int r = 0; r < RUNS; r++) {
                    runs.add(run(r, cluster, nc, cdc, db));
                }
            }
        }
        out.put("load_avg_end", loadAvg());
        Path file = Paths.get(System.getProperty("bench.out", "../../docs/bench/cdc-lease-bucket-kill.json"));
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }

    private ObjectNode run(int r, NatsCluster cluster, Connection nc, CdcModule cdc, DataSource db) throws Exception {
        String cdcStream = TenantStreams.cdcStream(TENANT);
        String bucket = "KV_og_cdc_cores";
        for (String s : List.of(cdcStream, bucket, "KV_og_cdc_tenants")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.allReplicasCurrent(nc, s));
        }
        int victim = cluster.streamLeader(nc, bucket);
        // the CDC stream led elsewhere: its own election would hide the lease's part
        for (int i = 0; i < 10 && cluster.streamLeader(nc, cdcStream) == victim; i++) {
            nc.request("$JS.API.STREAM.LEADER.STEPDOWN." + cdcStream, new byte[0], Duration.ofSeconds(5));
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> cluster.allReplicasCurrent(nc, cdcStream));
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("run", r + 1);
        o.put("killed", cluster.serverName(victim));
        o.put("killed_led_cdc_stream", cluster.streamLeader(nc, cdcStream) == victim);
        o.put("killed_led_tenants_bucket", cluster.streamLeader(nc, "KV_og_cdc_tenants") == victim);
        o.put("load_avg", loadAvg());

        String actor = "lk-" + r;
        Map<Long, Long> committedAt = new ConcurrentHashMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try (java.sql.Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO audit_log (actor, verb, resource) VALUES (?, 'write', 'r') RETURNING id")) {
                ps.setString(1, actor);
                while (writing.get()) {
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        committedAt.put(rs.getLong(1), System.currentTimeMillis());
                    }
                    CdcWakeups.committed(TENANT);
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "bench-writer");
        writer.start();
        Thread.sleep(3000);
        long killedAt = System.currentTimeMillis();
        long killedNanos = System.nanoTime();
        cluster.kill9(victim);
        long lostNanos = -1;
        long backNanos = -1;
        long until = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (System.nanoTime() < until) {
            boolean leads = cdc.leaderCount() == 1;
            if (!leads && lostNanos < 0) {
                lostNanos = System.nanoTime();
            }
            if (leads && lostNanos >= 0) {
                backNanos = System.nanoTime();
                break;
            }
            if (lostNanos < 0 && System.nanoTime() - killedNanos > Duration.ofSeconds(15).toNanos()) {
                break; // never lapsed
            }
            Thread.sleep(10);
        }
        Thread.sleep(5000);
        writing.set(false);
        writer.join();
        o.put("lease_lapsed", lostNanos >= 0);
        if (lostNanos >= 0) {
            o.put("lease_lapsed_after_kill_s", round((lostNanos - killedNanos) / 1e9));
            o.put("lease_held_again_after_kill_s", backNanos < 0 ? -1 : round((backNanos - killedNanos) / 1e9));
        }
        Map<Long, Long> storedAt = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicReference<Throwable> readFailure = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                try {
                    readStored(nc, actor, storedAt);
                } catch (Exception e) {
                    readFailure.set(e);
                    return false;
                }
                return storedAt.keySet().containsAll(committedAt.keySet());
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            long missing = committedAt.keySet().stream().filter(id -> !storedAt.containsKey(id)).count();
            long firstMissing = committedAt.keySet().stream().filter(id -> !storedAt.containsKey(id)).min(Long::compare).orElse(-1L);
            throw new AssertionError(missing + " of " + committedAt.size() + " committed changes not in the stream (first id "
                    + firstMissing + "); last read failure " + readFailure.get() + "; "
                    + cluster.replicaState(nc, cdcStream) + "\nslot: " + JetStreamClusterTest.slotState(db)
                    + "\n" + JetStreamClusterTest.cdcThreads(), e);
        }
        long worst = 0;
        long worstAfterKill = 0;
        for (Map.Entry<Long, Long> e : committedAt.entrySet()) {
            long d = storedAt.get(e.getKey()) - e.getValue();
            worst = Math.max(worst, d);
            if (e.getValue() >= killedAt) {
                worstAfterKill = Math.max(worstAfterKill, d);
            }
        }
        o.put("changes", committedAt.size());
        o.put("cdc_pause_s", round(worstAfterKill / 1000.0));
        o.put("worst_commit_to_stored_s", round(worst / 1000.0));
        System.out.println("run " + (r + 1) + ": " + o);
        cluster.restart(victim);
        for (String s : List.of(cdcStream, bucket, "KV_og_cdc_tenants")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> cluster.allReplicasCurrent(nc, s));
        }
        assertThat(storedAt.keySet()).containsAll(committedAt.keySet());
        return o;
    }

    /** When each of the actor's changes was stored in the CDC stream (the message's stream timestamp). */
    private static void readStored(Connection nc, String actor, Map<Long, Long> storedAt) throws Exception {
        String stream = TenantStreams.cdcStream(TENANT);
        long last = nc.jetStreamManagement().getStreamInfo(stream).getStreamState().getLastSequence();
        JetStreamSubscription sub = nc.jetStream().subscribe("og." + TENANT + ".cdc.>",
                PushSubscribeOptions.builder().stream(stream).ordered(true).build());
        try {
            while (true) {
                Message m = sub.nextMessage(Duration.ofSeconds(10));
                if (m == null) {
                    throw new IllegalStateException("read stalled");
                }
                JsonNode body = JSON.readTree(m.getData());
                if (body.path("row").path("actor").asText().equals(actor)) {
                    storedAt.put(body.path("row").path("id").asLong(), m.metaData().timestamp().toInstant().toEpochMilli());
                }
                if (m.metaData().streamSequence() >= last) {
                    return;
                }
            }
        } finally {
            sub.unsubscribe();
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static String loadAvg() {
        try {
            return Files.readString(Paths.get("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
