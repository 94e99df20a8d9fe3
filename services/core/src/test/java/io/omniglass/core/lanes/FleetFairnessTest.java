package io.omniglass.core.lanes;

import io.omniglass.core.CoreContext;
import io.omniglass.core.CoreModule;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.rules.RulesModule;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.sink.SinkSettings;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One tenant drains a large backlog while another keeps publishing live: the live tenant's
 * datapoints keep reaching their current value within a bounded delay, because the shared lane
 * workers serve the tenants round-robin, a bounded batch per turn.
 */
class FleetFairnessTest {

    static final int BACKLOG_MESSAGES = 600;
    static final int PER_MESSAGE = 500;
    /** Generous: measured 11-373 ms per live datapoint during the drain on the loaded 2-core machine. */
    static final Duration BOUND = Duration.ofSeconds(5);

    /** Holds the sink of one tenant back until told, so its backlog is all waiting when it starts. */
    static final class HeldSink implements CoreModule {
        final SinkModule sink = new SinkModule(SinkSettings.defaults());
        final String held;
        volatile Tenant heldTenant;
        volatile CoreContext ctx;

        HeldSink(String held) {
            this.held = held;
        }

        @Override
        public String name() {
            return "held-sink";
        }

        @Override
        public void start(CoreContext ctx) {
            this.ctx = ctx;
            sink.start(ctx);
        }

        @Override
        public void tenantActive(CoreContext ctx, Tenant tenant) throws Exception {
            if (tenant.slug().equals(held)) {
                heldTenant = tenant;
            } else {
                sink.tenantActive(ctx, tenant);
            }
        }

        void release() throws Exception {
            sink.tenantActive(ctx, heldTenant);
        }

        @Override
        public void close() {
            sink.close();
        }
    }

    @Test
    void aLiveTenantsDatapointsLandWhileAnotherDrainsABacklog() throws Exception {
        HeldSink sinks = new HeldSink("replay");
        try (TestCore core = TestCore.start(List.of(new GatewayModule(), sinks, new RulesModule()))) {
            CoreContext ctx = core.core().context();
            Tenant replay = core.createTenant("replay");
            Tenant live = core.createTenant("live");
            FleetFixture.plant(ctx, replay);
            FleetFixture.plant(ctx, live);
            await().atMost(Duration.ofSeconds(30)).until(() -> sinks.heldTenant != null);

            long backlog = (long) BACKLOG_MESSAGES * PER_MESSAGE;
            Instant from = Instant.now().minus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
            FleetFixture.backlog(ctx.nats(), "replay", from, BACKLOG_MESSAGES, PER_MESSAGE);
            sinks.release();

            // probes: one live datapoint at a time, each timed from publish to its current value
            List<Long> delaysMs = new ArrayList<>();
            int duringDrain = 0;
            double value = 0;
            long deadline = System.currentTimeMillis() + 120_000;
            while (FleetFixture.rowsWritten(ctx, "replay") < backlog && System.currentTimeMillis() < deadline) {
                value++;
                double expected = value;
                long t0 = System.nanoTime();
                FleetFixture.publish(ctx.nats(), "live", FleetFixture.dp("component:m-1", Instant.now(), expected));
                await().atMost(BOUND).pollInterval(Duration.ofMillis(10)).until(() ->
                        Double.valueOf(expected).equals(FleetFixture.currentValue(ctx.tenantDataSource(live), "component:m-1")));
                delaysMs.add((System.nanoTime() - t0) / 1_000_000);
                if (FleetFixture.rowsWritten(ctx, "replay") < backlog) {
                    duringDrain++;
                }
                Thread.sleep(100);
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> FleetFixture.rowsWritten(ctx, "replay") >= backlog);
            System.out.printf("fairness: backlog %,d rows; %d live probes during the drain, delays ms %s%n",
                    backlog, duringDrain, delaysMs);
            assertThat(duringDrain).as("live datapoints that landed while the backlog was still draining").isGreaterThanOrEqualTo(3);
            // the backlog's batches were served as a backlog: its preparing lane, woken by its own writer batch after
            // batch, is marked behind (before, every such wake-up was news and queued beside the live tenant's)
            long replayBatches = ctx.metrics().find("og.sink.batch.rows").tag("tenant", "replay").summary().count();
            var preparingBacklogTurns = ctx.metrics().find("og.lanes.turn").tag("kind", "sink").tag("queue", "backlog").timer();
            assertThat(preparingBacklogTurns).as("sink turns from the backlog queue").isNotNull();
            assertThat(preparingBacklogTurns.count()).as("of the replay's %d batches, preparing turns from the backlog queue", replayBatches)
                    .isGreaterThanOrEqualTo(replayBatches - 2);
            assertThat(FleetFixture.count(ctx.tenantDataSource(replay), "SELECT count(*) FROM metric_datapoint")).isEqualTo(backlog);
            assertThat(FleetFixture.count(ctx.tenantDataSource(live), "SELECT count(*) FROM metric_datapoint")).isEqualTo((long) value);
        }
    }
}
