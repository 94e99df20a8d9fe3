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
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The statements the action rules send for one active alarm change (every raise on a fleet comes
 * through here): none of the tenant's action rules watching the alarm's rule, one that does (its
 * command event, action row and the mark as sent), and the same change redelivered. The action
 * rows and command events they leave are what a user sees.
 */
class ActionRoundTripsTest {

    @Test
    void anActiveAlarmChangeTakesOneStatementUnlessAnActionRuleWatchesIt() throws Exception {
        try (TestCore core = TestCore.start(List.of(new GatewayModule()))) {
            Tenant t = core.createTenant("acttrips");
            CoreContext ctx = core.core().context();
            DataSource db = ctx.tenantDataSource(t);
            RulesFixture.importPlant(db, "acttrips");
            AtomicInteger statements = new AtomicInteger();
            DSLContext dsl = DSL.using(CountedStatements.counting(db, statements), SQLDialect.POSTGRES);
            Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
            AlarmTransitions.Transition pump = raise(dsl, "pump-temperature-high", "component:pump-1", "temperature", t0, 95);
            AlarmTransitions.Transition tank = raise(dsl, "tank-level-high", "component:tank-2", "level", t0, 97);

            try (ActionEngine actions = new ActionEngine(t.slug(), ctx.lanes(), ctx.nats(), dsl, row -> { })) {
                statements.set(0);
                actions.handle(change(db, pump));
                int unwatched = statements.getAndSet(0);
                actions.handle(change(db, tank));
                int commanded = statements.getAndSet(0);
                actions.handle(change(db, tank)); // redelivered: the command is there and sent
                int redelivered = statements.getAndSet(0);

                // main took 2 (the rule's name, then every enabled action rule), 7 and 6
                String counts = "statements: unwatched " + unwatched + ", commanded " + commanded + ", redelivered " + redelivered;
                assertThat(unwatched).as(counts).isEqualTo(1);
                assertThat(commanded).as(counts).isLessThanOrEqualTo(4);
                assertThat(redelivered).as(counts).isLessThanOrEqualTo(4);
            }

            assertThat(RulesFixture.count(db, "SELECT count(*) FROM action")).isEqualTo(1);
            assertThat(RulesFixture.text(db, "SELECT a.status::text || ' ' || a.owner || ' ' || a.key || ' ' || (a.command->>'value')"
                    + " || ' ' || e.name || ' ' || (e.trigger_event_id = ?) || ' ' || (e.payload->>'alarm_id' = ?::text)"
                    + " FROM action a JOIN event e ON e.id = a.command_event_id WHERE a.alarm_id = ?",
                    tank.eventId(), String.valueOf(tank.alarmId()), tank.alarmId()))
                    .isEqualTo("sent component:valve-2 position closed command true true");
            assertThat(RulesFixture.count(db, "SELECT count(*) FROM event WHERE name = 'command'")).isEqualTo(1);
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
