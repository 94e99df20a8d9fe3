package io.omniglass.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.impl.Headers;
import io.nats.client.impl.NatsMessage;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantImporter;
import io.omniglass.core.tenancy.TenantStreams;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** A small plant with rules, datapoints onto the lane, and SQL reads for the rules tests. */
public final class RulesFixture {

    public static final String PLANT = """
            name: rules-test
            locations: [{name: site}]
            systems: [{name: loop, location: site}, {name: other, location: site}]
            components:
              - {name: pump-1, type: pump, system: loop, location: site}
              - {name: pump-2, type: pump, system: loop, location: site}
              - {name: tank-2, type: tank, system: loop, location: site}
              - {name: valve-2, type: valve, system: loop, location: site}
              - {name: pump-9, type: pump, system: other}
            datapoint_types:
              - {name: temperature, kind: metric, unit: degC}
              - {name: level, kind: metric, unit: "%"}
              - {name: position, kind: state}
            rules:
              event_rules:
                - {name: pump-temperature-high, selector: "component:pump-*", key: temperature,
                   condition: {type: high, threshold: 85, deadband: 5}, severity: error,
                   message: "{owner} temperature high"}
                - {name: tank-level-high, selector: "component:tank-*", key: level,
                   condition: {type: high, threshold: 90, deadband: 5}, severity: warning}
              action_rules:
                - {name: close-tank-2-inlet, trigger: {table: alarm, event_rule: tank-level-high, state: active},
                   command: {owner: "component:valve-2", key: position, value: closed}}
              calc_rules:
                - {name: loop-temperature-spread, expression: "a - b", output: {owner: "system:loop", key: temperature},
                   inputs: [{owner: "component:pump-1", key: temperature, as: a}, {owner: "component:pump-2", key: temperature, as: b}]}
            """;

    private RulesFixture() {
    }

    public static void importPlant(DataSource tenantDb, String slug) {
        JsonNode tree = PlantDescription.parseTree(PLANT);
        new PlantImporter(tenantDb).importPlant(tree, "test", slug);
    }

    /** Publishes one metric datapoint (observed, source sim) on the data lane; {@code msgId} null: no dedup. */
    public static void metric(Connection nats, String slug, String owner, String key, Instant ts, double value,
                              String msgId, Long causedBy) throws Exception {
        String body = "{\"owner\":\"" + owner + "\",\"key\":\"" + key + "\",\"ts\":\"" + ts.truncatedTo(ChronoUnit.MICROS)
                + "\",\"value\":" + value + ",\"provenance\":\"observed\",\"source\":\"sim\",\"source_rule\":\"sim-poll\",\"source_rule_version\":1}";
        publish(nats, TenantStreams.dataSubject(slug, "metric"), body, msgId, causedBy);
    }

    public static void publish(Connection nats, String subject, String body, String msgId, Long causedBy) throws Exception {
        Headers h = new Headers();
        if (msgId != null) {
            h.put("Nats-Msg-Id", msgId);
        }
        if (causedBy != null) {
            h.put("Og-Caused-By-Event-Id", String.valueOf(causedBy));
        }
        nats.jetStream().publish(NatsMessage.builder().subject(subject).headers(h)
                .data(body.getBytes(StandardCharsets.UTF_8)).build());
    }

    public static long count(DataSource db, String sql, Object... args) {
        try (var c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String text(DataSource db, String sql, Object... args) {
        try (var c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
