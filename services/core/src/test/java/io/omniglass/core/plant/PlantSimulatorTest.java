package io.omniglass.core.plant;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.omniglass.core.CoreContext;
import io.omniglass.core.devices.DeviceCredential;
import io.omniglass.core.devices.DeviceModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.sink.SinkSettings;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The demo plant simulated through the real sink, publishing with a device credential as the demo
 * does: every signal is storable, and commands come back with their cause.
 */
class PlantSimulatorTest {

    private static long count(DataSource ds, String sql) throws Exception {
        try (var c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void theDemoPlantLandsWithoutDeadLettersAndAnswersCommands() throws Exception {
        try (TestCore core = TestCore.start(List.of(new SinkModule(SinkSettings.defaults()), new PlantModule()))) {
            CoreContext ctx = core.core().context();
            var tenant = core.createTenant("sim");
            DataSource ds = ctx.tenantDataSource(tenant);
            new PlantImporter(ds).importPlant(PlantDescription.demoTree(), "test", "sim");
            // the simulator is a device: its own credential, confined to the tenant's lane and commands
            String seed = DeviceModule.issue(ctx, "sim", "simulator").seed();
            Connection nats = ctx.nats();
            try (Connection device = Nats.connect(DeviceCredential.options(ctx.infrastructure().publicNatsUrl(), seed).build());
                 PlantSimulator sim = new PlantSimulator("sim", device, PlantDescription.fromTree(PlantDescription.demoTree())).listen()) {
                Instant t = Instant.now().minusSeconds(10);
                sim.tickOnce(t);
                sim.tickOnce(t.plusSeconds(1));
                long command = count(ds, "INSERT INTO event (name, origin, owner_kind, component_id, actor) "
                        + "VALUES ('command', 'operator', 'component', 'valve-3', 'test') RETURNING id");
                nats.publish("og.sim.cmd", ("{\"event_id\": " + command + ", \"owner\": \"component:valve-3\", "
                        + "\"key\": \"position\", \"value\": \"closed\"}").getBytes(StandardCharsets.UTF_8));
                nats.flush(Duration.ofSeconds(5));
                Thread.sleep(200); // the command arrives on the simulator's dispatcher
                sim.tickOnce(t.plusSeconds(2));

                await().atMost(Duration.ofSeconds(30)).until(() -> count(ds,
                        "SELECT count(*) FROM state_datapoint d JOIN series s ON s.id = d.series_id "
                                + "WHERE s.owner = 'component:valve-3' AND d.value = 'closed' AND d.caused_by_event_id = " + command) == 1);
                await().atMost(Duration.ofSeconds(10)).until(() -> count(ds, "SELECT count(*) FROM metric_datapoint") >= 3 * 38);
                // every pump reports its five metrics, tanks level and temperature, valves flow, each tick
                assertThat(count(ds, "SELECT count(DISTINCT series_id) FROM metric_datapoint")).isEqualTo(6 * 5 + 3 * 2 + 4);
                assertThat(count(ds, "SELECT count(*) FROM current_value WHERE owner = 'component:pump-2' AND key = 'run_state' AND value_text = 'running'")).isEqualTo(1);
                var dlq = ctx.metrics().find("og.sink.dlq").tag("tenant", "sim").counters();
                assertThat(dlq.stream().mapToDouble(c -> c.count()).sum()).isZero();
            }
        }
    }
}
