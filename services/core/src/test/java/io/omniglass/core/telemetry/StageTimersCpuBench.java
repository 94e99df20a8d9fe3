package io.omniglass.core.telemetry;

import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Timer;
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
import java.util.function.BiFunction;

/**
 * The JVM CPU of the per-tenant stage timers that carry percentiles (the sink's inbox wait, prepare,
 * hand-off wait, commit and stored-to-ack, the rules' stored-to-decided), per 1,000 live datapoints,
 * for each way of keeping them: the fleet's live load (180 tenants, one batch of 3 datapoints per tenant
 * a second) recorded over 10 minutes of a mock clock (windows rotate on it as on a real one), after 4
 * minutes of warm-up. CPU is the recording thread's (ThreadMXBean), so other processes on the shared
 * machine do not change it. Each way also has one /metrics scrape timed (an operator's, every 15-60 s).
 * Run by hand: {@code ./mvnw -B -q -o -pl services/core test -Dtest=StageTimersCpuBench
 * -Dsurefire.failIfNoSpecifiedTests=false} (-Dbench.tenants=180 -Dbench.seconds=600 -Dbench.json=FILE).
 */
class StageTimersCpuBench {

    private static final String[] STAGES = {"og.sink.inbox.wait", "og.sink.prepare", "og.sink.handoff.wait", "og.sink.commit",
            "og.sink.stored.to.ack", "og_rules_stored_to_decided"};

    interface Stage {
        void record(long amount, TimeUnit unit);
    }

    @Test
    void cpuPerThousandLiveDatapoints() throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "JVM CPU of the 6 per-tenant stage timers with percentiles, per 1,000 live datapoints: "
                + Integer.getInteger("bench.tenants", 180) + " tenants, one batch of 3 datapoints per tenant per simulated second, "
                + "240 s warm-up then " + Integer.getInteger("bench.seconds", 600) + " s measured on a mock clock; the recording thread's CPU");
        out.put("command", "./mvnw -B -q -o -pl services/core -Dtest=StageTimersCpuBench -Dsurefire.failIfNoSpecifiedTests=false -Dbench.json=FILE test");
        Map<String, Object> ways = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) { // the second round's figures are kept: the JIT has seen every way
            ways.put("micrometer_client_percentiles (main: publishPercentiles(0.5, 0.99) per tenant)", run((r, n) -> timer(r, n).publishPercentiles(0.5, 0.99)
                    .register(r)::record));
            ways.put("count_sum_max (no percentiles: the floor)", run((r, n) -> timer(r, n).register(r)::record));
            ways.put("micrometer_percentile_histogram (Prometheus buckets per tenant)", run((r, n) -> timer(r, n)
                    .publishPercentileHistogram().register(r)::record));
            ways.put("count_sum_max + one core-wide percentile timer per stage", run(new BiFunction<>() {
                final Map<String, Timer> shared = new LinkedHashMap<>();

                @Override
                public Stage apply(PrometheusMeterRegistry r, String n) {
                    String stage = n.substring(0, n.indexOf('|'));
                    Timer all = shared.computeIfAbsent(stage + r.hashCode(), k -> Timer.builder(stage + ".all").publishPercentiles(0.5, 0.99).register(r));
                    Timer own = timer(r, n).register(r);
                    return (a, u) -> {
                        own.record(a, u);
                        all.record(a, u);
                    };
                }
            }));
            ways.put("StageTimer (this branch: count_sum_max + RecentPercentiles per tenant)", run((r, n) -> {
                String stage = n.substring(0, n.indexOf('|'));
                return StageTimer.register(r, stage, "a stage", n.substring(n.indexOf('|') + 1))::record;
            }));
        }
        out.put("ways", ways);
        out.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
        String json = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        System.out.println("STAGE TIMERS CPU BENCH " + json);
        String file = System.getProperty("bench.json");
        if (file != null) {
            Files.writeString(Path.of(file), json);
        }
    }

    private static Timer.Builder timer(PrometheusMeterRegistry r, String n) {
        return Timer.builder(n.substring(0, n.indexOf('|'))).tag("tenant", n.substring(n.indexOf('|') + 1));
    }

    private static Map<String, Object> run(BiFunction<PrometheusMeterRegistry, String, Stage> make) {
        int tenants = Integer.getInteger("bench.tenants", 180);
        int seconds = Integer.getInteger("bench.seconds", 600);
        int perBatch = 3;
        MockClock clock = new MockClock();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT, new PrometheusRegistry(), clock);
        Stage[][] stages = new Stage[tenants][STAGES.length];
        for (int t = 0; t < tenants; t++) {
            for (int s = 0; s < STAGES.length; s++) {
                stages[t][s] = make.apply(registry, STAGES[s] + "|f" + t);
            }
        }
        Random random = new Random(42);
        Runnable second = () -> {
            for (Stage[] t : stages) {
                batch(t, random);
            }
            clock.add(1, TimeUnit.SECONDS);
        };
        for (int s = 0; s < 240; s++) {
            second.run();
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = threads.getCurrentThreadCpuTime();
        for (int s = 0; s < seconds; s++) {
            second.run();
        }
        double cpuMs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;
        long scrape0 = threads.getCurrentThreadCpuTime();
        String scraped = registry.scrape();
        double scrapeMs = (threads.getCurrentThreadCpuTime() - scrape0) / 1e6;
        long datapoints = (long) tenants * seconds * perBatch;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("tenants", tenants);
        r.put("datapoints", datapoints);
        r.put("thread_cpu_ms", Math.round(cpuMs));
        r.put("thread_cpu_ms_per_1000_datapoints", Math.round(cpuMs / datapoints * 1000 * 1000) / 1000.0);
        r.put("metrics_scrape_cpu_ms", Math.round(scrapeMs * 10) / 10.0);
        r.put("metrics_lines", scraped.lines().filter(l -> !l.startsWith("#")).count());
        return r;
    }

    /** What one batch records (the stages' times spread as a live fleet's are). */
    private static void batch(Stage[] s, Random random) {
        s[0].record(1 + random.nextInt(400), TimeUnit.MILLISECONDS);
        s[1].record(100_000 + random.nextInt(3_000_000), TimeUnit.NANOSECONDS);
        s[2].record(10_000 + random.nextInt(50_000_000), TimeUnit.NANOSECONDS);
        s[3].record(1_000_000 + random.nextInt(40_000_000), TimeUnit.NANOSECONDS);
        s[4].record(5 + random.nextInt(2_000), TimeUnit.MILLISECONDS);
        s[5].record(5 + random.nextInt(2_000), TimeUnit.MILLISECONDS);
    }
}
