package io.omniglass.core.sink;

import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Finding 1 of issue 16: one datapoint the database refuses as data (a NUL byte, text too large
 * for a unique index) used to be taken for an outage, nak'd forever, with every later message
 * joining its failing batch. It goes to the dead-letter subject alone; its siblings land.
 */
class SinkPoisonTest {

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
        m.put(field, value);
        return m;
    }

    @Test
    void aNulInInstanceIsDeadLetteredAloneAndEveryGoodSiblingLands() throws Exception {
        try (SinkFixture f = fixture("poison")) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            f.publish("metric", List.of(
                    SinkFixture.dp("component:pump-1", "discharge_pressure", now, 1.0),
                    with(SinkFixture.dp("component:pump-1", "discharge_pressure", now.plusMillis(1), 2.0), "instance", "a\u0000b"),
                    SinkFixture.dp("component:pump-2", "discharge_pressure", now, 3.0)), "m-0", Map.of());
            for (int i = 1; i <= 20; i++) {
                f.publish("metric", List.of(SinkFixture.dp("component:pump-1", "discharge_pressure", now.plusMillis(10 + i), i)),
                        "m-" + i, Map.of());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> f.rows() == 22);
            await().atMost(Duration.ofSeconds(10)).until(() -> f.deadLetters().size() == 1);
            SinkFixture.DeadLetter d = f.deadLetters().get(0);
            assertThat(d.error()).startsWith("bad_field: instance holds a NUL byte");
            assertThat(d.index()).isEqualTo("1");
            assertThat(d.body()).contains("\"value\":2.0");
            Thread.sleep(1500); // nothing else trickles in late: no retry loop behind
            assertThat(f.rows()).isEqualTo(22);
            assertThat(f.deadLetters()).hasSize(1);
        }
    }

    @Test
    void eachTextTheDatabaseCannotHoldIsRefusedWithItsReason() throws Exception {
        try (SinkFixture f = fixture("poison_kinds")) {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Map<String, Object> good = SinkFixture.dp("component:pump-1", "discharge_pressure", now, 1.0);
            String huge = "x".repeat(3000); // over the unique index's row limit (54000) if it reached the database
            f.publish("metric", List.of(
                    good,
                    with(with(good, "key", "discharge\u0000pressure"), "ts", now.plusMillis(1).toString()),
                    with(with(good, "source", "plc\u0000"), "ts", now.plusMillis(2).toString()),
                    with(with(good, "source_rule", "poll\u0000"), "ts", now.plusMillis(3).toString()),
                    with(with(good, "instance", huge), "ts", now.plusMillis(4).toString()),
                    with(with(good, "source", huge), "ts", now.plusMillis(5).toString()),
                    with(with(good, "source_rule", huge), "ts", now.plusMillis(6).toString()),
                    with(with(good, "value", new java.math.BigDecimal("1e400")), "ts", now.plusMillis(7).toString()),
                    with(good, "ts", now.plusMillis(8).toString())), "k-0", Map.of());
            f.publish("metric", List.of(with(good, "ts", now.plusMillis(9).toString())), "k-1",
                    Map.of("Og-Correlation-Id", "c".repeat(2000))); // a NUL cannot even be sent in a header
            await().atMost(Duration.ofSeconds(30)).until(() -> f.deadLetters().size() == 8);
            Map<String, String> byIndex = new LinkedHashMap<>();
            for (SinkFixture.DeadLetter d : f.deadLetters()) {
                byIndex.put(d.index(), d.error());
            }
            assertThat(byIndex.get("1")).startsWith("unknown_key: key 'discharge?pressure' is not a datapoint type name");
            assertThat(byIndex.get("2")).startsWith("bad_field: source holds a NUL byte");
            assertThat(byIndex.get("3")).startsWith("bad_field: source_rule holds a NUL byte");
            assertThat(byIndex.get("4")).startsWith("bad_field: instance is 3000 bytes of UTF-8; at most 512");
            assertThat(byIndex.get("5")).startsWith("bad_field: source is 3000 bytes");
            assertThat(byIndex.get("6")).startsWith("bad_field: source_rule is 3000 bytes");
            assertThat(byIndex.get("7")).startsWith("wrong_value_type: metric value Infinity is not a finite double");
            assertThat(byIndex.get("0")).startsWith("lineage: Og-Correlation-Id is 2000 bytes of UTF-8; at most 512"); // message k-1
            await().atMost(Duration.ofSeconds(10)).until(() -> f.rows() == 2);
        }
    }

    /** Incompressible text: a compressed index row would fit, this one does not. */
    private static String randomHex(int length) {
        java.util.Random r = new java.util.Random(16);
        StringBuilder sb = new StringBuilder(length);
        while (sb.length() < length) {
            sb.append(Long.toHexString(r.nextLong()));
        }
        return sb.substring(0, length);
    }

    /**
     * Below the decoder: a series the database refuses as data is isolated in the catalog, the
     * other series of the batch are created, and the refusal is named (not taken for an outage).
     */
    @Test
    void theCatalogIsolatesASeriesTheDatabaseRefuses() throws Exception {
        Tenant t = core.createTenant("poison_catalog");
        try (SinkFixture f = new SinkFixture("poison_catalog", core.core().context().tenantDataSource(t),
                core.core().context().infrastructure().natsUrl())) {
            f.importPlant(SinkFixture.SMALL_PLANT);
            TenantCatalog catalog = new TenantCatalog(DSL.using(f.db, SQLDialect.POSTGRES));
            OwnerRef pump = OwnerRef.parse("component:pump-1");
            catalog.prefetch(List.of());
            int type = (int) f.count("SELECT id FROM datapoint_type WHERE name = 'discharge_pressure'");
            TenantCatalog.SeriesKey good = new TenantCatalog.SeriesKey(pump, type, DatapointKind.metric, "", Provenance.observed, "plc");
            TenantCatalog.SeriesKey nul = new TenantCatalog.SeriesKey(pump, type, DatapointKind.metric, "a\u0000", Provenance.observed, "plc");
            TenantCatalog.SeriesKey huge = new TenantCatalog.SeriesKey(pump, type, DatapointKind.metric,
                    randomHex(8000), Provenance.observed, "plc");
            Map<TenantCatalog.SeriesKey, Long> ids = catalog.series(Set.of(good, nul, huge));
            assertThat(ids).containsKey(good).doesNotContainKeys(nul, huge);
            assertThat(catalog.refusal(nul)).startsWith("22021");
            assertThat(catalog.refusal(huge)).startsWith("54000");
            assertThat(catalog.refusal(good)).isNull();
        }
    }
}
