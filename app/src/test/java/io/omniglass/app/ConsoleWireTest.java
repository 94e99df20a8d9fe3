package io.omniglass.app;

import io.omniglass.views.services.Alarm;
import io.omniglass.views.services.AuditEntry;
import io.omniglass.views.services.BulkResult;
import io.omniglass.views.services.ConnectionState;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.Datapoint;
import io.omniglass.views.services.Heatmap;
import io.omniglass.views.services.LineageGraph;
import io.omniglass.views.services.LiveUpdate;
import io.omniglass.views.services.SeriesBuckets;
import io.omniglass.views.services.SimilarAlarms;
import io.omniglass.views.services.StorageOverview;
import io.omniglass.views.services.TableStorage;
import io.omniglass.views.services.TenantCounts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every call the console makes, against a real core (embedded Postgres, nats-server, the demo
 * plant), read through the typed client into the views' types. The api records mark the fields
 * the console reads as required, so a field the server renames or drops fails here as the
 * client's "bad response: Missing required creator property ..." instead of an empty cell.
 */
class ConsoleWireTest {

    private static final String TENANT = "wire";
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private static RealCore core;
    private static HttpConsoleServices console;

    @BeforeAll
    static void start() throws Exception {
        core = new RealCore(TENANT);
        console = new HttpConsoleServices(core.admin);
        core.post("/api/v1/tenants/" + TENANT + "/event-rules", RealCore.highRule("wire-pressure-high", "discharge_pressure", 8.0));
    }

    @AfterAll
    static void stop() throws Exception {
        if (core != null) {
            core.close();
        }
    }

    private static CurrentValue pressureOfPump1() {
        return console.currentValues(TENANT, "owner = \"component:pump-1\" and key = \"discharge_pressure\"", 10, null)
                .items().stream().filter(v -> v.provenance().equals("observed")).findFirst().orElse(null);
    }

    @Test
    void tenantsCountsAndRates() {
        assertThat(console.tenants()).anySatisfy(t -> {
            assertThat(t.slug()).isEqualTo(TENANT);
            assertThat(t.name()).isEqualTo(TENANT);
            assertThat(t.status()).isEqualTo("active");
        });
        core.publishMetric(TENANT, "pump-2", "flow", 12.5);
        await().atMost(PATIENCE).untilAsserted(() -> {
            TenantCounts c = console.counts(TENANT);
            assertThat(c.series()).as("signals with a current value").isPositive();
        });
        console.ingestRates();
        core.publishMetric(TENANT, "pump-2", "flow", 13.5);
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(console.ingestRates()).containsKey(TENANT));
    }

    @Test
    void currentValuesHistoryAndAggregatesOfASignal() {
        core.publishMetric(TENANT, "pump-1", "discharge_pressure", 4.25);
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(pressureOfPump1()).isNotNull()
                .satisfies(v -> assertThat(v.value()).isEqualTo("4.25")));
        CurrentValue v = pressureOfPump1();
        assertThat(v.seriesId()).isPositive();
        assertThat(v.kind()).isEqualTo("metric");
        assertThat(v.unit()).isEqualTo("bar");
        assertThat(v.ts()).isAfter(Instant.now().minus(5, ChronoUnit.MINUTES));

        Instant from = Instant.now().minus(1, ChronoUnit.HOURS);
        Instant to = Instant.now().plus(1, ChronoUnit.MINUTES);
        List<Datapoint> history = console.history(TENANT, v.seriesId(), from, to, 100);
        assertThat(history).anySatisfy(p -> assertThat(p.value()).isEqualTo(4.25));
        assertThat(history).isSortedAccordingTo(java.util.Comparator.comparing(Datapoint::ts));

        SeriesBuckets buckets = console.aggregates(TENANT, v.seriesId(), from, to, "1h");
        assertThat(buckets.buckets()).isNotEmpty();
        assertThat(buckets.buckets().stream().mapToLong(SeriesBuckets.Bucket::count).sum()).isPositive();
        assertThat(buckets.buckets()).anySatisfy(b -> assertThat(b.max()).isGreaterThanOrEqualTo(4.25));
        assertThat(buckets.coldBefore()).as("nothing tiered yet").isNull();
    }

    @Test
    void alarmsTheirOperationsAuditTrailLineageAndSimilarPast() {
        core.publishMetric(TENANT, "pump-3", "discharge_pressure", 9.5);
        String ours = "rule = wire-pressure-high";
        await().atMost(PATIENCE).untilAsserted(() -> assertThat(console.alarms(TENANT, ours, 10, null).items()).hasSize(1));
        Alarm alarm = console.alarms(TENANT, ours, 10, null).items().get(0);
        assertThat(alarm.owner()).isEqualTo("component:pump-3");
        assertThat(alarm.rule()).isEqualTo("wire-pressure-high");
        assertThat(alarm.state()).isEqualTo("active");
        assertThat(alarm.severity()).isEqualTo("critical");
        assertThat(alarm.message()).isEqualTo("discharge_pressure high");
        assertThat(alarm.raisedAt()).isNotNull();
        assertThat(alarm.acked()).isFalse();

        assertThat(console.ack(TENANT, List.of(alarm.id(), 999_999L), "checked on site")).containsExactly(
                new BulkResult(alarm.id(), true, null),
                new BulkResult(999_999L, false, "no alarm 999999"));
        Instant until = Instant.now().plus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        assertThat(console.snooze(TENANT, List.of(alarm.id()), until, "maintenance window")).containsExactly(new BulkResult(alarm.id(), true, null));
        Alarm snoozed = console.alarms(TENANT, ours, 10, null).items().get(0);
        assertThat(snoozed.acked()).isTrue();
        assertThat(snoozed.ackedBy()).isNotBlank();
        assertThat(snoozed.ackReason()).isEqualTo("checked on site");
        assertThat(snoozed.snoozedUntil()).isEqualTo(until);
        assertThat(snoozed.snoozeReason()).isEqualTo("maintenance window");
        assertThat(console.unsnooze(TENANT, List.of(alarm.id()))).containsExactly(new BulkResult(alarm.id(), true, null));

        List<AuditEntry> trail = console.auditTrail(TENANT, alarm.id());
        assertThat(trail).extracting(AuditEntry::resource).containsOnly("alarm:" + alarm.id());
        assertThat(trail).anySatisfy(e -> assertThat(e.detail()).contains("ack_reason=checked on site"));
        assertThat(trail).anySatisfy(e -> assertThat(e.detail()).contains("snooze_reason=maintenance window"));

        LineageGraph graph = console.ofAlarm(TENANT, alarm, 3);
        assertThat(graph.nodes().get(0).id()).isEqualTo("alarm:" + alarm.id());
        assertThat(graph.nodes()).anySatisfy(n -> assertThat(n.kind()).isEqualTo("datapoint"));
        assertThat(graph.edges()).isNotEmpty();
        LineageGraph.Node expandable = graph.nodes().stream().filter(n -> n.ref() != null).findFirst().orElse(null);
        if (expandable != null) {
            assertThat(console.ofRef(TENANT, expandable.ref(), 2).nodes()).extracting(LineageGraph.Node::id).contains(expandable.id());
        }

        SimilarAlarms similar = console.similar(TENANT, alarm.id(), 5);
        assertThat(similar.alarmId()).isEqualTo(alarm.id());
        assertThat(similar.raisedAt()).isEqualTo(alarm.raisedAt());
    }

    @Test
    void heatmapAndItsSlowestStatements() {
        console.tenants(); // a gateway read at least
        Heatmap h = console.heatmap(null, 24);
        assertThat(h.hours()).hasSize(24);
        assertThat(h.percentiles()).contains("p50", "p99");
        int now = h.hours().size() - 1;
        await().atMost(PATIENCE).untilAsserted(() -> {
            Heatmap again = console.heatmap(null, 24);
            assertThat(again.counts()[0][now]).isPositive();
            assertThat(console.slowest(null, again.hours().get(now), 5)).isNotEmpty()
                    .allSatisfy(s -> assertThat(s.ms()).isPositive());
        });
    }

    @Test
    void storageAndRetention() {
        StorageOverview s = console.storage(TENANT);
        TableStorage metrics = s.tables().stream().filter(t -> t.table().equals("metric_datapoint")).findFirst().orElseThrow();
        assertThat(metrics.hotPartitions()).isPositive();
        assertThat(s.policies()).anySatisfy(p -> {
            assertThat(p.table()).isEqualTo("metric_datapoint");
            assertThat(p.hotFrom()).isEqualTo("default");
        });
    }

    @Test
    void theLiveFeedBringsValuesAndRecordChanges() throws Exception {
        List<LiveUpdate> updates = new CopyOnWriteArrayList<>();
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        try (AutoCloseable sub = new SseLiveFeed(core.admin).subscribe(TENANT, updates::add, states::add)) {
            await().atMost(PATIENCE).until(() -> states.contains(ConnectionState.CONNECTED));
            await().atMost(PATIENCE).untilAsserted(() -> {
                core.publishMetric(TENANT, "tank-1", "level", 61.5);
                assertThat(updates).anySatisfy(u -> assertThat(u).isInstanceOfSatisfying(LiveUpdate.Value.class, v -> {
                    assertThat(v.value().owner()).isEqualTo("component:tank-1");
                    assertThat(v.value().key()).isEqualTo("level");
                    assertThat(v.value().value()).isEqualTo("61.5");
                    assertThat(v.value().ts()).isNotNull();
                }));
            });
            core.post("/api/v1/tenants/" + TENANT + "/event-rules", RealCore.highRule("wire-live-rule", "temperature", 500));
            await().atMost(PATIENCE).untilAsserted(() -> assertThat(updates).anySatisfy(u ->
                    assertThat(u).isInstanceOfSatisfying(LiveUpdate.RecordChange.class, c -> {
                        assertThat(c.table()).isEqualTo("event_rule");
                        assertThat(c.op()).isEqualTo("insert");
                        assertThat(c.row()).containsEntry("name", "wire-live-rule");
                    })));
        }
    }
}
