package io.omniglass.core.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.PublishOptions;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.runtime.PgServer;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.CoreProcess;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three cores (real processes) share the work of three tenants; while datapoints stream in, each
 * core is stopped and started again in turn, as a rolling deploy does. Counted in the database:
 * every datapoint once; and afterwards the CDC leaderships are spread, one tenant per core.
 */
class RollingRestartTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> TENANTS = List.of("ra", "rb", "rc");
    static final HttpClient http = HttpClient.newHttpClient();

    @Test
    void restartingThreeCoresOneAfterAnotherDuringIngestLosesAndDoublesNothing() throws Exception {
        try (TestInfra infra = TestInfra.start()) {
            List<CoreProcess> cores = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    cores.add(CoreProcess.launch(infra.env()));
                }
                for (CoreProcess c : cores) {
                    c.awaitReady(Duration.ofSeconds(180));
                }
                OmniglassClient admin = new OmniglassClient(cores.get(0).httpUrl(), cores.get(0).adminToken());
                for (String t : TENANTS) {
                    admin.createTenant(t, t);
                    importPlant(infra, t);
                }
                try (Connection nc = Nats.connect(infra.natsUrl())) {
                    Publisher publisher = new Publisher(nc.jetStream());
                    publisher.start();
                    for (int i = 0; i < cores.size(); i++) {
                        int before = publisher.acked.get();
                        await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.get() > before + 100);
                        CoreProcess old = cores.get(i);
                        long stopped = System.nanoTime();
                        assertThat(old.terminate()).as("exit code of a clean stop").isNotEqualTo(-1);
                        Map<String, String> env = new HashMap<>(infra.env());
                        env.put("OMNIGLASS_DATA_DIR", old.dataDir().toString());
                        cores.set(i, CoreProcess.start(env));
                        System.out.printf("core %d restarted in %.1f s during ingest (%d messages acknowledged so far)%n",
                                i + 1, (System.nanoTime() - stopped) / 1e9, publisher.acked.get());
                    }
                    int before = publisher.acked.get();
                    await().atMost(Duration.ofSeconds(60)).until(() -> publisher.acked.get() > before + 100);
                    publisher.stopAndJoin();
                    int messages = publisher.acked.get();
                    long expected = (long) messages * Publisher.PER_MESSAGE;
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                            .until(() -> totalRows(infra, "SELECT count(*) FROM metric_datapoint") >= expected);
                    assertThat(totalRows(infra, "SELECT count(*) FROM metric_datapoint")).as("datapoints stored").isEqualTo(expected);
                    assertThat(totalRows(infra, "SELECT count(*) FROM (SELECT series_id, ts FROM metric_datapoint GROUP BY 1, 2 HAVING count(*) > 1) d"))
                            .as("datapoints stored twice").isZero();
                    System.out.printf("%d messages, %d datapoints over %d tenants: all stored once%n", messages, expected, TENANTS.size());
                }
                // leaderships spread again after the restarts: each tenant led once, each core leading one
                try {
                    awaitSpread(cores);
                } catch (org.awaitility.core.ConditionTimeoutException e) {
                    for (CoreProcess c : cores) {
                        System.out.println("core " + c.httpUrl() + ": " + leaderLines(c));
                    }
                    // what each core's lease work was doing: its lease lines and a thread dump (SIGQUIT)
                    for (CoreProcess c : cores) {
                        try {
                            new ProcessBuilder("kill", "-3", Long.toString(c.pid())).start().waitFor();
                            Thread.sleep(1000);
                        } catch (Exception ignored) {
                            // the dump is a diagnosis only
                        }
                        String[] lines = c.log().split("\n");
                        System.out.println("core " + c.httpUrl() + " (pid " + c.pid() + "), its cdc lease lines and lease threads:");
                        boolean inLeaseThread = false;
                        for (String line : lines) {
                            if (line.startsWith("\"")) {
                                inLeaseThread = line.contains("og-cdc-lease") || line.contains("og-cdc-session");
                            }
                            if (inLeaseThread || line.contains("cdc leases") || line.contains("lease") && line.contains("cdc ")) {
                                System.out.println("  " + line);
                            }
                        }
                    }
                    throw e;
                }
            } finally {
                cores.forEach(CoreProcess::close);
            }
        }
    }

    static String leaderLines(CoreProcess core) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(core.httpUrl() + "/metrics"))
                    .header("Authorization", "Bearer " + core.adminToken()).build(), HttpResponse.BodyHandlers.ofString());
            StringBuilder b = new StringBuilder("HTTP " + r.statusCode());
            for (String line : r.body().split("\n")) {
                if (line.startsWith("og_cdc_leader")) {
                    b.append(" | ").append(line);
                }
            }
            return b.toString();
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The leases move one at a time (one given back per 2 s, a core that took beyond its share keeps it 20 s). */
    static void awaitSpread(List<CoreProcess> cores) {
        {
            {
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                    for (String t : TENANTS) {
                        double leaders = 0;
                        for (CoreProcess c : cores) {
                            leaders += metric(c, "og_cdc_leader", t);
                        }
                        if (leaders != 1) {
                            return false;
                        }
                    }
                    for (CoreProcess c : cores) {
                        double mine = 0;
                        for (String t : TENANTS) {
                            mine += metric(c, "og_cdc_leader", t);
                        }
                        if (mine != 1) {
                            return false;
                        }
                    }
                    return true;
                });
            }
        }
    }

    static PGSimpleDataSource db(TestInfra infra, String tenant) {
        PgServer pg = infra.infrastructure().pg();
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(pg.jdbcUrl("og_t_" + tenant));
        ds.setUser(pg.user());
        ds.setPassword(pg.password());
        return ds;
    }

    static void importPlant(TestInfra infra, String tenant) {
        StringBuilder plant = new StringBuilder("name: p\nlocations: [{name: site}]\ncomponents:\n");
        for (int i = 0; i < 20; i++) {
            plant.append("  - {name: m-").append(i).append(", type: meter, location: site}\n");
        }
        new PlantImporter(db(infra, tenant)).importPlant(PlantDescription.parseTree(plant.toString()), "test", tenant);
    }

    static long totalRows(TestInfra infra, String sql) throws Exception {
        long n = 0;
        for (String t : TENANTS) {
            try (java.sql.Connection c = db(infra, t).getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                n += rs.getLong(1);
            }
        }
        return n;
    }

    /** Round-robin over the tenants, distinct datapoints, each message with its Nats-Msg-Id and sent again until acknowledged. */
    static final class Publisher {
        static final int PER_MESSAGE = 10;
        final AtomicInteger acked = new AtomicInteger();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicReference<Throwable> failed = new AtomicReference<>();
        private final Thread thread;

        Publisher(JetStream js) {
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);
            this.thread = new Thread(() -> {
                try {
                    for (int m = 0; running.get(); m++) {
                        String tenant = TENANTS.get(m % TENANTS.size());
                        List<Map<String, Object>> body = new ArrayList<>();
                        for (int k = 0; k < PER_MESSAGE; k++) {
                            long n = (long) m * PER_MESSAGE + k;
                            Map<String, Object> dp = new LinkedHashMap<>();
                            dp.put("owner", "component:m-" + (n % 20));
                            dp.put("key", "flow");
                            dp.put("ts", t0.plusMillis(n).toString());
                            dp.put("value", (double) n);
                            dp.put("source", "test");
                            dp.put("source_rule", "test-poll");
                            dp.put("source_rule_version", 1);
                            body.add(dp);
                        }
                        byte[] data = JSON.writeValueAsBytes(body);
                        PublishOptions o = PublishOptions.builder().messageId("rr-" + m).build();
                        while (true) {
                            try {
                                js.publish(TenantStreams.dataSubject(tenant, "metric"), data, o);
                                break;
                            } catch (IOException | JetStreamApiException e) {
                                Thread.sleep(100);
                            }
                        }
                        acked.incrementAndGet();
                        Thread.sleep(5);
                    }
                } catch (Throwable t) {
                    failed.set(t);
                }
            }, "rolling-publisher");
        }

        void start() {
            thread.start();
        }

        void stopAndJoin() throws InterruptedException {
            running.set(false);
            thread.join();
            assertThat(failed.get()).isNull();
        }
    }

    static double metric(CoreProcess core, String name, String tenant) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(core.httpUrl() + "/metrics"))
                        .header("Authorization", "Bearer " + core.adminToken()).build(),
                HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(name + "{") && line.contains("tenant=\"" + tenant + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
