package io.omniglass.core.lanes;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * The server forgets the pull requests of a lost connection: after nats-server restarts, the lane
 * inboxes ask again as soon as their connection is back, and datapoints keep landing (not only
 * after the 2-minute renewal).
 */
class LaneReconnectTest {

    @Test
    void datapointsLandAfterTheNatsServerRestarts() throws Exception {
        try (TestInfra infra = TestInfra.start();
             TestCore core = TestCore.start(List.of(new GatewayModule(), new SinkModule()), infra.env())) {
            CoreContext ctx = core.core().context();
            Tenant t = core.createTenant("again");
            FleetFixture.plant(ctx, t);
            try (Connection device = Nats.connect(new Options.Builder().server(infra.natsUrl())
                    .maxReconnects(-1).reconnectWait(Duration.ofMillis(200)).build())) {
                FleetFixture.publish(device, "again", FleetFixture.dp("component:m-0", Instant.now(), 1.0));
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        Double.valueOf(1.0).equals(FleetFixture.currentValue(ctx.tenantDataSource(t), "component:m-0")));

                infra.stopNats();
                infra.startNats();
                await().atMost(Duration.ofSeconds(20)).until(() -> device.getStatus() == Connection.Status.CONNECTED
                        && ctx.lanes().connection("again").getStatus() == Connection.Status.CONNECTED);

                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                    FleetFixture.publish(device, "again", FleetFixture.dp("component:m-0", Instant.now(), 2.0));
                    return true;
                });
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                        Double.valueOf(2.0).equals(FleetFixture.currentValue(ctx.tenantDataSource(t), "component:m-0")));
            }
        }
    }
}
