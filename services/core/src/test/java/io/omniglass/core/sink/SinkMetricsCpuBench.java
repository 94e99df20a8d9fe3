package io.omniglass.core.sink;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.omniglass.api.OmniglassClient;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The JVM CPU of the sink's per-tenant meters per 1,000 live datapoints: the fleet's live load
 * (180 tenants, 544 datapoints/s, so about one batch of 3 datapoints per tenant a second) recorded
 * into each tenant's {@link SinkMetrics} as a batch's stages record them, over 10 minutes of a
 * mock clock (the percentiles' windows rotate on it as on a real one: every 40 s). CPU is the
 * recording thread's (ThreadMXBean), so other processes on the shared machine do not change it.
 * Run by hand: {@code ./mvnw -B -q -o -pl services/core test -Dtest=SinkMetricsCpuBench
 * -Dsurefire.failIfNoSpecifiedTests=false} (-Dbench.tenants=180 -Dbench.seconds=600 -Dbench.json=FILE).
 */
class SinkMetricsCpuBench {

    @Test
    void cpuPerThousandLiveDatapoints() throws Exception {
        int tenants = Integer.getInteger("bench.tenants", 180);
        int seconds = Integer.getInteger("bench.seconds", 600);
        int perBatch = 3;
        MockClock clock = new MockClock();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock);
        SinkMetrics[] metrics = new SinkMetrics[tenants];
        for (int i = 0; i < tenants; i++) {
            metrics[i] = new SinkMetrics(registry, "f" + i);
        }
        Random random = new Random(42);
        Runnable[] second = {() -> {
            for (SinkMetrics m : metrics) {
                batch(m, random, perBatch);
            }
            clock.add(1, TimeUnit.SECONDS);
        }};
        for (int s = 0; s < 240; s++) {
            second[0].run(); // warm-up: JIT, every window rotated a few times
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        for (int s = 0; s < seconds; s++) {
            second[0].run();
        }
        double cpuMs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;
        long datapoints = (long) tenants * seconds * perBatch;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("tenants", tenants);
        out.put("simulated_seconds", seconds);
        out.put("batches", (long) tenants * seconds);
        out.put("datapoints", datapoints);
        out.put("thread_cpu_ms", Math.round(cpuMs));
        out.put("thread_cpu_ms_per_1000_datapoints", Math.round(cpuMs / datapoints * 1000 * 100) / 100.0);
        out.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
        String json = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        System.out.println("SINK METRICS CPU BENCH " + json);
        String file = System.getProperty("bench.json");
        if (file != null) {
            Files.writeString(Path.of(file), json);
        }
    }

    /** What TenantSink records for one batch (the stages' times spread as a live fleet's are). */
    private static void batch(SinkMetrics m, Random random, int rows) {
        m.inboxWait.record(1 + random.nextInt(400), TimeUnit.MILLISECONDS);
        m.prepare.record(100_000 + random.nextInt(3_000_000), TimeUnit.NANOSECONDS);
        m.plan.record(20_000 + random.nextInt(500_000), TimeUnit.NANOSECONDS);
        m.handoffWait.record(10_000 + random.nextInt(50_000_000), TimeUnit.NANOSECONDS);
        m.commit.record(1_000_000 + random.nextInt(40_000_000), TimeUnit.NANOSECONDS);
        m.write.record(1_500_000 + random.nextInt(60_000_000), TimeUnit.NANOSECONDS);
        m.storedToAck.record(5 + random.nextInt(2_000), TimeUnit.MILLISECONDS);
        m.batchRows.record(rows);
        m.messages.increment(rows);
        m.stored(rows, 0);
    }
}
