package io.omniglass.core.sink;

import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Bad input never stops the sink: each rejected datapoint goes to the DLQ with its reason, the rest lands. */
class SinkDeadLetterTest {

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new SinkModule(SinkSettings.defaults()), new PlantModule()));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    private SinkFixture fixture(String slug) throws Exception {
        Tenant t = core.createTenant(slug);
        SinkFixture f = new SinkFixture(slug, core.core().context().tenantDataSource(t),
                core.core().context().infrastructure().natsUrl());
        f.importPlant(SinkFixture.SMALL_PLANT);
        return f;
    }

    private static Map<String, Object> with(Map<String, Object> dp, String field, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(dp);
        if (value == null) {
            m.remove(field);
        } else {
            m.put(field, value);
        }
        return m;
    }

    @Test
    void eachReasonIsDeadLetteredAndTheRestOfTheBatchIsStored() throws Exception {
        try (SinkFixture f = fixture("dlq")) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Map<String, Object> good = SinkFixture.dp("component:pump-1", "discharge_pressure", now, 4.2);
            long command = f.commandEvent();
            List<Map<String, Object>> batch = new ArrayList<>();
            batch.add(good);                                                                          // 0 ok
            batch.add(with(good, "owner", "component:pump-99"));                                      // 1 unknown owner
            batch.add(with(with(good, "key", "no_such_key"), "ts", now.plusMillis(1).toString()));    // 2 unknown key
            batch.add(with(with(good, "value", "high"), "ts", now.plusMillis(2).toString()));         // 3 wrong value type
            batch.add(with(with(good, "source_rule", null), "ts", now.plusMillis(3).toString()));     // 4 lineage: no source_rule
            batch.add(with(good, "ts", null));                                                        // 5 missing ts
            batch.add(with(good, "ts", "yesterday at noon"));                                         // 6 unparseable ts
            batch.add(with(good, "ts", now.minus(Duration.ofDays(400)).toString()));                  // 7 outside retention
            batch.add(with(good, "ts", now.plus(Duration.ofDays(3)).toString()));                     // 8 outside window
            Map<String, Object> intended = with(with(with(good, "provenance", "intended"), "source_rule", null),
                    "event_id", 987654321);
            batch.add(with(intended, "ts", now.plusMillis(4).toString()));                            // 9 lineage: no such event
            batch.add(with(with(intended, "event_id", command), "ts", now.plusMillis(5).toString())); // 10 ok (intended)
            batch.add(with(with(good, "owner", "global"), "ts", now.plusMillis(6).toString()));       // 11 ok (global owner)
            f.publish("metric", batch, "batch-1", Map.of("Og-Correlation-Id", "corr-7"));
            // a whole message of bad JSON
            f.publishRaw("metric", "{not json".getBytes(StandardCharsets.UTF_8), "bad-1", Map.of());
            // a caused-by header naming no event
            f.publish("state", SinkFixture.dp("component:valve-1", "position", now, "open"), "cb-1",
                    Map.of("Og-Caused-By-Event-Id", "424242"));
            // a caused-by header naming a real event: lands in the trace column
            f.publish("state", SinkFixture.dp("component:valve-1", "position", now.plusMillis(7), "closed"), "cb-2",
                    Map.of("Og-Caused-By-Event-Id", Long.toString(command), "Og-Correlation-Id", "corr-8"));
            // a log datapoint with a bad severity, and a good one
            f.publish("log", List.of(
                    SinkFixture.dp("component:pump-1", "status_log", now, Map.of("severity", "loud", "message", "x")),
                    SinkFixture.dp("component:pump-1", "status_log", now.plusMillis(1), Map.of("severity", "warning", "message", "hot\tand\nloud"))),
                    "log-1", Map.of());

            await().atMost(Duration.ofSeconds(30)).until(() -> f.deadLetters().size() == 12);
            List<SinkFixture.DeadLetter> dead = f.deadLetters();
            Map<String, String> reasonByIndex = new LinkedHashMap<>();
            for (SinkFixture.DeadLetter d : dead) {
                reasonByIndex.put(d.headers().getFirst("Og-Subject") + "#" + d.index(), d.error().split(":")[0]);
            }
            assertThat(reasonByIndex).containsEntry("og.dlq.dp.metric#1", "unknown_owner")
                    .containsEntry("og.dlq.dp.metric#2", "unknown_key")
                    .containsEntry("og.dlq.dp.metric#3", "wrong_value_type")
                    .containsEntry("og.dlq.dp.metric#4", "lineage")
                    .containsEntry("og.dlq.dp.metric#5", "bad_ts")
                    .containsEntry("og.dlq.dp.metric#6", "bad_ts")
                    .containsEntry("og.dlq.dp.metric#7", "ts_outside_window")
                    .containsEntry("og.dlq.dp.metric#8", "ts_outside_window")
                    .containsEntry("og.dlq.dp.metric#9", "lineage")
                    .containsEntry("og.dlq.dp.metric#null", "bad_json")
                    .containsEntry("og.dlq.dp.state#0", "lineage")
                    .containsEntry("og.dlq.dp.log#0", "wrong_value_type");
            SinkFixture.DeadLetter unknownOwner = dead.stream().filter(d -> d.error().startsWith("unknown_owner")).findFirst().orElseThrow();
            assertThat(unknownOwner.body()).contains("pump-99");
            assertThat(unknownOwner.headers().getFirst("Og-Correlation-Id")).isEqualTo("corr-7");
            SinkFixture.DeadLetter badJson = dead.stream().filter(d -> d.error().startsWith("bad_json")).findFirst().orElseThrow();
            assertThat(badJson.body()).isEqualTo("{not json");

            // the valid rest of each batch is stored, with its trace headers
            await().atMost(Duration.ofSeconds(10)).until(() -> f.rows() == 5);
            assertThat(f.count("SELECT count(*) FROM metric_datapoint WHERE correlation_id = 'corr-7'")).isEqualTo(3);
            assertThat(f.count("SELECT count(*) FROM metric_datapoint WHERE provenance = 'intended' AND event_id = " + command)).isEqualTo(1);
            assertThat(f.count("SELECT count(*) FROM state_datapoint WHERE value = 'closed' AND caused_by_event_id = "
                    + command + " AND correlation_id = 'corr-8'")).isEqualTo(1);
            assertThat(f.count("SELECT count(*) FROM log_datapoint WHERE severity = 'warning' AND message = E'hot\\tand\\nloud'")).isEqualTo(1);
            var dlq = core.core().context().metrics().find("og.sink.dlq").tag("tenant", "dlq").counters();
            assertThat(dlq.stream().mapToDouble(c -> c.count()).sum()).isEqualTo(12);

            // and the sink keeps going
            f.publish("metric", List.of(with(good, "ts", now.plusSeconds(1).toString())), "after", Map.of());
            await().atMost(Duration.ofSeconds(10)).until(() -> f.rows() == 6);
        }
    }

    @Test
    void aTemplateScopedKeyServesOnlyTheComponentsOfItsTemplate() throws Exception {
        try (SinkFixture f = fixture("tmpl")) {
            long template = f.count("INSERT INTO component_template (name) VALUES ('pump-t') RETURNING id");
            f.count("INSERT INTO component_template_version (template_id, version) VALUES (" + template + ", 1) RETURNING 1");
            f.count("WITH u AS (UPDATE component SET template_id = " + template + ", template_version = 1 WHERE name = 'pump-2' RETURNING 1) SELECT count(*) FROM u");
            f.count("INSERT INTO datapoint_type (name, kind, scope, template_id) VALUES ('impeller_wear', 'metric', 'template', " + template + ") RETURNING id");
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            f.publish("metric", List.of(
                    SinkFixture.dp("component:pump-2", "impeller_wear", now, 0.3),
                    SinkFixture.dp("component:pump-1", "impeller_wear", now, 0.4)), "t-1", Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() -> f.deadLetters().size() == 1);
            assertThat(f.deadLetters().get(0).error()).startsWith("unknown_key");
            assertThat(f.deadLetters().get(0).body()).contains("pump-1");
            await().atMost(Duration.ofSeconds(10)).until(() -> f.count(
                    "SELECT count(*) FROM metric_datapoint d JOIN series s ON s.id = d.series_id WHERE s.owner = 'component:pump-2'") == 1);
        }
    }

    @Test
    void aRowTheDatabaseRefusesDespiteValidationIsIsolatedAndTheRestLands() throws Exception {
        try (SinkFixture f = fixture("dbref")) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            long event = f.commandEvent();
            // the sink learns that the event exists (from a message whose datapoint is rejected for its owner) ...
            f.publish("metric", List.of(SinkFixture.dp("component:nobody", "discharge_pressure", now, 1.0)), "a",
                    Map.of("Og-Caused-By-Event-Id", Long.toString(event)));
            await().atMost(Duration.ofSeconds(30)).until(() -> f.deadLetters().size() == 1);
            // ... then the event goes away, so the database refuses what the cache still allows
            f.count("WITH d AS (DELETE FROM event WHERE id = " + event + " RETURNING 1) SELECT count(*) FROM d");
            f.publish("metric", List.of(
                    SinkFixture.dp("component:pump-1", "discharge_pressure", now, 1.0),
                    SinkFixture.dp("component:pump-1", "discharge_pressure", now.plusMillis(1), 2.0)), "b",
                    Map.of("Og-Caused-By-Event-Id", Long.toString(event)));
            f.publish("metric", List.of(SinkFixture.dp("component:pump-2", "discharge_pressure", now, 3.0)), "c", Map.of());
            await().atMost(Duration.ofSeconds(30)).until(() -> f.deadLetters().size() == 3);
            List<SinkFixture.DeadLetter> refused = f.deadLetters().subList(1, 3);
            assertThat(refused).allSatisfy(d -> {
                assertThat(d.error()).startsWith("rejected_by_database: 23503");
                assertThat(d.body()).contains("\"owner\":\"component:pump-1\"");
            });
            assertThat(refused).extracting(SinkFixture.DeadLetter::index).containsExactlyInAnyOrder("0", "1");
            await().atMost(Duration.ofSeconds(10)).until(() -> f.rows() == 1);
            assertThat(f.count("SELECT count(*) FROM metric_datapoint WHERE value = 3")).isEqualTo(1);
        }
    }
}
