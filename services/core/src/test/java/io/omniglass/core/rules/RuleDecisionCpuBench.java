package io.omniglass.core.rules;

import io.omniglass.api.OmniglassClient;
import io.omniglass.core.alarms.AlarmTransitions;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JVM CPU of the live rules' decision path per 1,000 datapoints: one transaction per
 * (rule, owner) decision of one datapoint (the engine's common case on a fleet, a few datapoints
 * per tenant per second), through {@link AlarmTransitions#evaluateAll}, with an alarm raised and
 * cleared every 10 datapoints of each owner. CPU is the deciding thread's (ThreadMXBean), so
 * other processes on a shared machine change the wall time, not the figure. Run by hand:
 * {@code ./mvnw -B -q -o -pl services/core test -Dtest=RuleDecisionCpuBench -Dsurefire.failIfNoSpecifiedTests=false}
 * (-Dbench.decisions=6000 -Dbench.json=FILE).
 */
class RuleDecisionCpuBench {

    @Test
    void cpuPerThousandLiveDatapoints() throws Exception {
        int decisions = Integer.getInteger("bench.decisions", 6000);
        try (TestCore core = TestCore.start(List.of(new GatewayModule()))) {
            Tenant t = core.createTenant("cpubench");
            DataSource db = core.core().context().tenantDataSource(t);
            RulesFixture.importPlant(db, "cpubench");
            DSLContext dsl = DSL.using(db, SQLDialect.POSTGRES);
            EventRuleDef rule = EventRuleStore.enabled(dsl).stream()
                    .filter(r -> r.name().equals("pump-temperature-high")).findFirst().orElseThrow();
            String[] owners = {"component:pump-1", "component:pump-2"};
            Instant start = Instant.now().minusSeconds(decisions * 2L);
            int[] transitions = {0};
            Runnable[] step = new Runnable[1];
            int[] i = {0};
            step[0] = () -> {
                int n = i[0]++;
                String owner = owners[n % owners.length];
                int k = n / owners.length;
                double value = (k / 5) % 2 == 0 ? 70 + k % 5 : 90 + k % 5; // five below, five above: a raise and a clear every 10
                Reading dp = new Reading("metric", owner, "temperature", "", start.plusMillis(n * 100L), value, null,
                        "observed", "bench", null, null);
                transitions[0] += dsl.transactionResult(cfg -> AlarmTransitions.evaluateAll(cfg.dsl(),
                        List.of(new AlarmTransitions.Work(rule, owner, List.of(dp))))).size();
            };
            for (int w = 0; w < 2000; w++) {
                step[0].run(); // warm-up: JIT, pgjdbc's server-side prepared statements
            }
            transitions[0] = 0;
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            for (int d = 0; d < decisions; d++) {
                step[0].run();
            }
            double cpuMs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;
            double wallS = (System.nanoTime() - wall0) / 1e9;
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("decisions", decisions);
            out.put("datapoints", decisions);
            out.put("transitions", transitions[0]);
            out.put("thread_cpu_ms_per_1000_datapoints", Math.round(cpuMs / decisions * 1000 * 10) / 10.0);
            out.put("wall_s", Math.round(wallS * 10) / 10.0);
            out.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
            String json = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
            System.out.println("RULE DECISION CPU BENCH " + json);
            String file = System.getProperty("bench.json");
            if (file != null) {
                Files.writeString(Path.of(file), json);
            }
        }
    }
}
