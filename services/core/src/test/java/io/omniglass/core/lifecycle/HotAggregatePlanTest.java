package io.omniglass.core.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.testing.TestCore;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hot aggregate read is planned with its values known: Postgres prunes the partitions outside
 * the range while planning (none is left to prune at executor start), on every run of the
 * statement on one connection, past the fifth, where pgjdbc switches to server-side statements
 * and Postgres would be free to pick a generic plan. Bound as text inside a cast (jOOQ's default
 * binding), the range was a filter re-parsed row by row and partitions were pruned only at start.
 */
class HotAggregatePlanTest {

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule(), new PlantModule(), new LifecycleModule(Duration.ofDays(1))));
    }

    @AfterAll
    static void stop() {
        if (core != null) {
            core.close();
        }
    }

    @Test
    void onlyThePartitionsOfTheRangeArePlannedOnEveryRun() throws Exception {
        Tenant t = core.createTenant("plan");
        DataSource db = core.core().context().tenantDataSource(t);
        LifecycleFixture f = new LifecycleFixture(db, "plan");
        long a = f.series("pump-1", "discharge_pressure");
        long b = f.series("pump-2", "discharge_pressure");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        for (int d = 1; d <= 6; d++) {
            f.metricDay(a, today.minusDays(d), 10);
            f.metricDay(b, today.minusDays(d), 10);
        }
        OffsetDateTime from = today.minusDays(4).atStartOfDay().atOffset(ZoneOffset.UTC);
        OffsetDateTime to = today.minusDays(2).atStartOfDay().atOffset(ZoneOffset.UTC);
        List<String> expected = List.of(Partitions.partitionName("metric_datapoint", today.minusDays(4)),
                Partitions.partitionName("metric_datapoint", today.minusDays(3)));

        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            DSLContext tx = DSL.using(c, SQLDialect.POSTGRES, new Settings().withRenderSchema(false));
            for (int run = 1; run <= 8; run++) {
                // the read's own settings and statement, in one transaction as the endpoint runs them
                Aggregates.planWithValues(tx);
                String json = Aggregates.typed(tx).resultQuery("EXPLAIN (FORMAT JSON) {0}",
                        Aggregates.hotQuery(tx, List.of(a, b), from, to, Duration.ofDays(1))).fetchOne(0, String.class);
                c.commit();
                JsonNode plan = OmniglassClient.JSON.readTree(json).get(0).get("Plan");
                List<String> scanned = new ArrayList<>();
                List<Integer> removedAtStart = new ArrayList<>();
                walkOutsideSubplans(plan, scanned, removedAtStart);
                assertThat(scanned).as("run %d: partitions scanned for the buckets", run).containsExactlyInAnyOrderElementsOf(expected);
                assertThat(removedAtStart).as("run %d: partitions left to prune at executor start", run).containsOnly(0);
            }
        }
    }

    /** The relations of the bucket scan; the first/last probes (subplans, pruned per probe) are left out. */
    private static void walkOutsideSubplans(JsonNode node, List<String> scanned, List<Integer> removedAtStart) {
        if ("SubPlan".equals(node.path("Parent Relationship").asText())) {
            return;
        }
        if (node.has("Relation Name")) {
            scanned.add(node.get("Relation Name").asText());
        }
        if (node.has("Subplans Removed")) {
            removedAtStart.add(node.get("Subplans Removed").asInt());
        }
        for (JsonNode child : node.path("Plans")) {
            walkOutsideSubplans(child, scanned, removedAtStart);
        }
    }
}
