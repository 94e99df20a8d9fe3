package io.omniglass.core.rules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreContext;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JVM CPU of the action rules per 1,000 active alarm changes that no action rule watches (a
 * fleet's common case: every raise's CDC change reaches {@link ActionEngine#handle}). CPU is the
 * handling thread's (ThreadMXBean); the Postgres backend is not counted. Run by hand:
 * {@code ./mvnw -B -q -o -pl services/core test -Dtest=ActionCpuBench -Dsurefire.failIfNoSpecifiedTests=false}
 * (-Dbench.changes=5000 -Dbench.json=FILE).
 */
class ActionCpuBench {

    @Test
    void cpuPerThousandActiveAlarmChanges() throws Exception {
        int changes = Integer.getInteger("bench.changes", 5000);
        try (TestCore core = TestCore.start(List.of(new GatewayModule()))) {
            Tenant t = core.createTenant("actcpu");
            CoreContext ctx = core.core().context();
            DataSource db = ctx.tenantDataSource(t);
            RulesFixture.importPlant(db, "actcpu");
            DSLContext dsl = DSL.using(db, SQLDialect.POSTGRES);
            AlarmTransitions.Transition pump = raise(dsl, "pump-temperature-high", "component:pump-1", "temperature",
                    Instant.parse("2026-01-01T00:00:00Z"), 95);
            byte[] body = change(db, pump);
            try (ActionEngine actions = new ActionEngine(t.slug(), ctx.lanes(), ctx.nats(), dsl, row -> { })) {
                for (int w = 0; w < 2000; w++) {
                    actions.handle(body); // warm-up: JIT, pgjdbc's server-side prepared statements
                }
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long cpu0 = threads.getCurrentThreadCpuTime();
                long wall0 = System.nanoTime();
                for (int i = 0; i < changes; i++) {
                    actions.handle(body);
                }
                double cpuMs = (threads.getCurrentThreadCpuTime() - cpu0) / 1e6;
                double wallS = (System.nanoTime() - wall0) / 1e9;
                assertThat(RulesFixture.count(db, "SELECT count(*) FROM action")).isZero();
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("active_alarm_changes", changes);
                out.put("thread_cpu_ms_per_1000_changes", Math.round(cpuMs / changes * 1000 * 10) / 10.0);
                out.put("wall_s", Math.round(wallS * 10) / 10.0);
                out.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
                String json = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
                System.out.println("ACTION CPU BENCH " + json);
                String file = System.getProperty("bench.json");
                if (file != null) {
                    Files.writeString(Path.of(file), json);
                }
            }
        }
    }

    private static AlarmTransitions.Transition raise(DSLContext dsl, String ruleName, String owner, String key, Instant ts, double value) {
        EventRuleDef rule = EventRuleStore.enabled(dsl).stream().filter(r -> r.name().equals(ruleName)).findFirst().orElseThrow();
        Reading dp = new Reading("metric", owner, key, "", ts, value, null, "observed", "test", null, null);
        List<AlarmTransitions.Transition> done = dsl.transactionResult(cfg -> AlarmTransitions.evaluateAll(cfg.dsl(),
                List.of(new AlarmTransitions.Work(rule, owner, List.of(dp)))));
        assertThat(done).extracting(AlarmTransitions.Transition::name).containsExactly("alarm.raised");
        return done.get(0);
    }

    /** The alarm row's change as the CDC feed carries it (CONTRACT.md). */
    private static byte[] change(DataSource db, AlarmTransitions.Transition tr) throws Exception {
        ObjectNode row = OmniglassClient.JSON.createObjectNode();
        row.put("id", tr.alarmId());
        row.put("state", RulesFixture.text(db, "SELECT state::text FROM alarm WHERE id = ?", tr.alarmId()));
        row.put("raise_event_id", tr.eventId());
        row.put("event_rule_id", RulesFixture.count(db, "SELECT event_rule_id FROM alarm WHERE id = ?", tr.alarmId()));
        row.put("owner", RulesFixture.text(db, "SELECT owner FROM alarm WHERE id = ?", tr.alarmId()));
        ObjectNode change = OmniglassClient.JSON.createObjectNode();
        change.put("lsn", "0/1");
        change.put("xid", 1);
        change.put("table", "alarm");
        change.put("op", "update");
        change.set("row", row);
        return OmniglassClient.JSON.writeValueAsBytes(change);
    }

}
