package io.omniglass.core.lanes;

import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.api.ConsumerInfo;
import io.nats.client.api.KeyValueEntry;
import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.sink.SinkSettings;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import io.omniglass.core.testing.TestInfra;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sink's durable keeps its state in memory (no synchronous state write per delivery and ack),
 * and a nats-server restart, which loses it, neither loses a datapoint nor redelivers the stream:
 * the durable is made again from its floor (every message at or below it acked), kept in a
 * file-stored KV bucket.
 */
class LaneDurableFloorTest {

    static final int MESSAGES = 40;
    static final int PER_MESSAGE = 100;

    @Test
    void aRestartedNatsServerRedeliversFromTheFloorAndLosesNothing() throws Exception {
        try (TestInfra infra = TestInfra.start();
             TestCore core = TestCore.start(List.of(new GatewayModule(), new SinkModule()), infra.env())) {
            CoreContext ctx = core.core().context();
            Tenant t = core.createTenant("floor");
            FleetFixture.plant(ctx, t);
            String stream = TenantStreams.dataStream("floor");
            String durable = SinkSettings.DURABLE;
            try (Connection device = Nats.connect(new Options.Builder().server(infra.natsUrl())
                    .maxReconnects(-1).reconnectWait(Duration.ofMillis(200)).build())) {
                Instant from = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(3600);
                publish(device, from, 0, MESSAGES);
                await().atMost(Duration.ofSeconds(60)).until(() -> stored(ctx, t) == MESSAGES * PER_MESSAGE);

                ConsumerInfo before = device.jetStreamManagement().getConsumerInfo(stream, durable);
                assertThat(before.getConsumerConfiguration().isMemStorage()).as("og-sink keeps its state in memory").isTrue();
                // the floor is written within seconds of the acks, from the server's ack floor
                await().atMost(Duration.ofSeconds(40)).until(() -> floor(device, stream, durable) == MESSAGES);

                infra.stopNats();
                infra.startNats();
                await().atMost(Duration.ofSeconds(20)).until(() -> device.getStatus() == Connection.Status.CONNECTED
                        && ctx.lanes().connection("floor").getStatus() == Connection.Status.CONNECTED);
                await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                    publish(device, from, MESSAGES, 2 * MESSAGES);
                    return true;
                });

                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> stored(ctx, t) >= 2L * MESSAGES * PER_MESSAGE);
                Thread.sleep(1000); // a late redelivery would show as a surplus
                assertThat(stored(ctx, t)).isEqualTo(2L * MESSAGES * PER_MESSAGE);
                assertThat(FleetFixture.count(ctx.tenantDataSource(t), "SELECT count(DISTINCT value) FROM metric_datapoint"))
                        .isEqualTo(2L * MESSAGES * PER_MESSAGE);

                ConsumerInfo after = device.jetStreamManagement().getConsumerInfo(stream, durable);
                assertThat(after.getConsumerConfiguration().getStartSequence())
                        .as("made again from its floor, not from the stream's first message").isEqualTo(MESSAGES + 1);
                assertThat(after.getDelivered().getStreamSequence()).isEqualTo(2L * MESSAGES);
                assertThat(after.getRedelivered()).isZero();
            }
        }
    }

    /** Messages {@code from} .. {@code to - 1} of {@link #PER_MESSAGE} distinct datapoints each, waiting for each PubAck. */
    private static void publish(Connection nats, Instant t0, int from, int to) throws Exception {
        JetStream js = nats.jetStream();
        for (int m = from; m < to; m++) {
            List<Map<String, Object>> body = new ArrayList<>(PER_MESSAGE);
            for (int k = 0; k < PER_MESSAGE; k++) {
                long n = (long) m * PER_MESSAGE + k;
                body.add(FleetFixture.dp("component:m-" + (n % FleetFixture.METERS), t0.plusMillis((n / FleetFixture.METERS) * 100), n));
            }
            js.publish(TenantStreams.dataSubject("floor", "metric"), FleetFixture.JSON.writeValueAsBytes(body),
                    PublishOptions.builder().messageId("floor-" + m).build());
        }
    }

    private static long stored(CoreContext ctx, Tenant t) throws Exception {
        return FleetFixture.count(ctx.tenantDataSource(t), "SELECT count(*) FROM metric_datapoint");
    }

    private static long floor(Connection nats, String stream, String durable) throws Exception {
        KeyValueEntry e = nats.keyValue(DurableFloors.BUCKET).get(stream + "." + durable);
        return e == null ? 0 : Long.parseLong(new String(e.getValue(), StandardCharsets.UTF_8).split(" ")[0]);
    }
}
