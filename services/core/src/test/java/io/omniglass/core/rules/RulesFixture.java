package io.omniglass.core.rules;

import io.omniglass.api.lane.LaneCodec;
import io.omniglass.api.lane.LaneDatapoint;
import io.omniglass.api.lane.LaneHeaders;
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
        LaneDatapoint dp = LaneDatapoint.observed(owner, key, ts.truncatedTo(ChronoUnit.MICROS), value, "sim", "sim-poll", 1);
        String body = new String(LaneCodec.encode(dp), StandardCharsets.UTF_8);
        publish(nats, TenantStreams.dataSubject(slug, "metric"), body, msgId, causedBy);
    }

    public static void publish(Connection nats, String subject, String body, String msgId, Long causedBy) throws Exception {
        Headers h = new Headers();
        if (msgId != null) {
            h.put(LaneHeaders.MSG_ID, msgId);
        }
        if (causedBy != null) {
            h.put(LaneHeaders.CAUSED_BY_EVENT_ID, String.valueOf(causedBy));
        }
        nats.jetStream().publish(NatsMessage.builder().subject(subject).headers(h)
                .data(body.getBytes(StandardCharsets.UTF_8)).build());
    }

    /** The reasons of what the sink dead-lettered (for failure messages). */
    public static String deadLetters(Connection nats, String slug) {
        StringBuilder sb = new StringBuilder();
        try {
            var jsm = nats.jetStreamManagement();
            String stream = TenantStreams.dlqStream(slug);
            long last = jsm.getStreamInfo(stream).getStreamState().getLastSequence();
            for (long seq = Math.max(1, last - 20); seq <= last; seq++) {
                var m = jsm.getMessage(stream, seq);
                sb.append(m.getHeaders() == null ? "?" : m.getHeaders().getFirst(LaneHeaders.ERROR)).append(": ")
                        .append(new String(m.getData(), StandardCharsets.UTF_8), 0, Math.min(300, m.getData().length)).append('\n');
            }
        } catch (Exception e) {
            sb.append("(dead letters unreadable: ").append(e).append(')');
        }
        return sb.toString();
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
