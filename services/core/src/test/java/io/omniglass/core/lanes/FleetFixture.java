package io.omniglass.core.lanes;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nats.client.Connection;
import io.nats.client.JetStream;
import io.nats.client.PublishOptions;
import io.nats.client.api.PublishAck;
import io.omniglass.core.CoreContext;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;

import javax.sql.DataSource;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A small plant per tenant, datapoints onto a tenant's lane, and what landed. */
final class FleetFixture {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int METERS = 10;

    private FleetFixture() {
    }

    static void plant(CoreContext ctx, Tenant t) {
        StringBuilder yaml = new StringBuilder("name: p\nlocations: [{name: site}]\ncomponents:\n");
        for (int i = 0; i < METERS; i++) {
            yaml.append("  - {name: m-").append(i).append(", type: meter, location: site}\n");
        }
        yaml.append("datapoint_types:\n  - {name: flow, kind: metric, unit: m3/h}\n");
        new PlantImporter(ctx.tenantDataSource(t)).importPlant(PlantDescription.parseTree(yaml.toString()), "test", t.slug());
    }

    static Map<String, Object> dp(String owner, Instant ts, double value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("owner", owner);
        m.put("key", "flow");
        m.put("ts", ts.toString());
        m.put("value", value);
        m.put("source", "test");
        m.put("source_rule", "test-poll");
        m.put("source_rule_version", 1);
        return m;
    }

    /** Publishes {@code messages} arrays of {@code perMessage} datapoints, all distinct (series, ts), waiting for every PubAck. */
    static void backlog(Connection nats, String slug, Instant from, int messages, int perMessage) throws Exception {
        JetStream js = nats.jetStream();
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        for (int m = 0; m < messages; m++) {
            List<Map<String, Object>> body = new ArrayList<>(perMessage);
            for (int k = 0; k < perMessage; k++) {
                long n = (long) m * perMessage + k;
                body.add(dp("component:m-" + (n % METERS), from.plusMillis((n / METERS) * 100), n));
            }
            acks.add(js.publishAsync(TenantStreams.dataSubject(slug, "metric"), JSON.writeValueAsBytes(body),
                    PublishOptions.builder().messageId(slug + "-backlog-" + m).build()));
            if (acks.size() >= 200) {
                CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                acks.clear();
            }
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }

    static void publish(Connection nats, String slug, Map<String, Object> dp) throws Exception {
        nats.jetStream().publish(TenantStreams.dataSubject(slug, "metric"), JSON.writeValueAsBytes(List.of(dp)));
    }

    /** The current value of a meter's flow, as the API reads it (null when there is none). */
    static Double currentValue(DataSource db, String owner) throws Exception {
        try (java.sql.Connection c = db.getConnection();
             java.sql.PreparedStatement st = c.prepareStatement(
                     "SELECT value_num FROM current_value WHERE owner = ? AND key = 'flow' AND provenance = 'observed'")) {
            st.setString(1, owner);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getDouble(1) : null;
            }
        }
    }

    static long count(DataSource db, String sql) throws Exception {
        try (java.sql.Connection c = db.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static double rowsWritten(CoreContext ctx, String slug) {
        var c = ctx.metrics().find("og.sink.rows.written").tag("tenant", slug).counter();
        return c == null ? 0 : c.count();
    }
}
