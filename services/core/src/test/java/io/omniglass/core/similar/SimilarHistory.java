package io.omniglass.core.similar;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;

/**
 * A plant's past written straight into the tenant database, as the sink and the rules engine would
 * have left it: the 30-minute lead-up of each alarm raise (metric datapoints every 10 s), the
 * alarm.raised event with its trigger datapoint, the alarm row, and what operators did.
 */
final class SimilarHistory {

    static final String PLANT = """
            name: similar-test
            locations: [{name: site}]
            systems: [{name: loop, location: site}, {name: other, location: site}]
            components:
              - {name: pump-1, type: pump, system: loop, location: site}
              - {name: pump-2, type: pump, system: loop, location: site}
              - {name: pump-3, type: pump, system: loop, location: site}
              - {name: pump-4, type: pump, system: loop, location: site}
              - {name: pump-9, type: pump, system: other}
              - {name: valve-1, type: valve, system: loop, location: site}
            datapoint_types:
              - {name: temperature, kind: metric, unit: degC}
              - {name: pressure, kind: metric, unit: bar}
              - {name: flow, kind: metric, unit: m3/h}
              - {name: position, kind: state}
            rules:
              event_rules:
                - {name: pump-temperature-high, selector: "component:pump-*", key: temperature,
                   condition: {type: high, threshold: 85, deadband: 5}, severity: error}
                - {name: pump-flow-high, selector: "component:pump-*", key: flow,
                   condition: {type: high, threshold: 130, deadband: 5}, severity: warning}
            """;

    /** The recurring fault: bearing wear. Temperature climbs over the last 15 minutes, flow sags. */
    static final Shape BEARING = new Shape(
            m -> 60 + (m > 15 ? (m - 15) * 1.8 : 0),
            m -> 4.2,
            m -> 100 - (m > 15 ? (m - 15) * 1.0 : 0));
    /** Unrelated: a flow surge in the last 5 minutes, temperature and pressure steady. */
    static final Shape SURGE = new Shape(
            m -> 62,
            m -> 4.2 + (m > 25 ? 0.8 : 0),
            m -> 100 + (m > 25 ? (m - 25) * 7 : 0));
    /** Unrelated: a hot start (temperature high at first, cooling down), pressure drifting up. */
    static final Shape HOT_START = new Shape(
            m -> 95 - m * 0.4,
            m -> 3.6 + m * 0.03,
            m -> 100);

    /** Minute 0..30 of the lead-up -> value, per key. */
    record Shape(DoubleUnaryOperator temperature, DoubleUnaryOperator pressure, DoubleUnaryOperator flow) {
    }

    private final DataSource db;
    private final Random noise = new Random(14);

    SimilarHistory(DataSource db) {
        this.db = db;
    }

    /** Writes one occurrence ending at {@code raisedAt}; returns the raise event id. */
    long occurrence(String pump, String rule, Instant raisedAt, Shape shape) throws SQLException {
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            long trigger = 0;
            String triggerKey = rule.equals("pump-flow-high") ? "flow" : "temperature";
            for (String key : new String[]{"temperature", "pressure", "flow"}) {
                long series = series(c, pump, key);
                if (key.equals(triggerKey)) {
                    trigger = series;
                }
                DoubleUnaryOperator f = key.equals("temperature") ? shape.temperature()
                        : key.equals("pressure") ? shape.pressure() : shape.flow();
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO metric_datapoint (series_id, ts, value, provenance, source_rule_id) "
                                + "VALUES (?, ?, ?, 'observed', (SELECT id FROM source_rule WHERE name = 'sim-poll'))")) {
                    for (int s = 0; s <= 1800; s += 10) {
                        double minute = s / 60.0;
                        double v = f.applyAsDouble(minute);
                        ps.setLong(1, series);
                        ps.setTimestamp(2, Timestamp.from(raisedAt.minus(Duration.ofSeconds(1800 - s))));
                        ps.setDouble(3, v + noise.nextGaussian() * Math.max(0.01, Math.abs(v) * 0.004));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
            }
            long ruleId = one(c, "SELECT id FROM event_rule WHERE name = ?", rule);
            long event = one(c, """
                    INSERT INTO event (ts, name, origin, owner_kind, component_id, event_rule_id, event_rule_version,
                                       trigger_series_id, trigger_ts, severity, message)
                    VALUES (?, 'alarm.raised', 'rule', 'component', ?, ?, 1, ?, ?, 'error', ?) RETURNING id""",
                    Timestamp.from(raisedAt), pump, ruleId, trigger, Timestamp.from(raisedAt), pump + " " + rule);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO alarm (event_rule_id, event_rule_version, owner_kind, component_id, state, severity,
                                       message, raised_at, raise_event_id, last_event_id)
                    VALUES (?, 1, 'component', ?, 'active', 'error', ?, ?, ?, ?)
                    ON CONFLICT (event_rule_id, owner_kind, component_id, system_id, location_id, node_id) DO UPDATE
                    SET state = 'active', raised_at = excluded.raised_at, cleared_at = NULL, raise_event_id = excluded.raise_event_id,
                        last_event_id = excluded.last_event_id, acked = false, acked_at = NULL, acked_by = NULL, ack_reason = NULL""")) {
                ps.setLong(1, ruleId);
                ps.setString(2, pump);
                ps.setString(3, pump + " " + rule);
                ps.setTimestamp(4, Timestamp.from(raisedAt));
                ps.setLong(5, event);
                ps.setLong(6, event);
                ps.executeUpdate();
            }
            c.commit();
            return event;
        }
    }

    long alarmOf(long raiseEvent) throws SQLException {
        try (Connection c = db.getConnection()) {
            return one(c, """
                    SELECT a.id FROM alarm a JOIN event e ON e.event_rule_id = a.event_rule_id AND e.owner = a.owner
                    WHERE e.id = ?""", raiseEvent);
        }
    }

    /** An operator's acknowledgement (the audit row AlarmService writes) some minutes after the raise. */
    void acked(long raiseEvent, String actor, String reason, Duration after) throws SQLException {
        long alarm = alarmOf(raiseEvent);
        try (Connection c = db.getConnection(); PreparedStatement month = c.prepareStatement("""
                SELECT og_create_partition('audit_log', ((ts + ?::interval) AT TIME ZONE 'UTC')::date) FROM event WHERE id = ?""")) {
            // a past month has no audit partition (the boot phase makes them from now on)
            month.setString(1, after.toSeconds() + " seconds");
            month.setLong(2, raiseEvent);
            month.execute();
        }
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO audit_log (ts, actor, verb, resource, old, new)
                VALUES ((SELECT ts FROM event WHERE id = ?) + ?::interval, ?, 'alarm.ack', ?, '{"acked": false}',
                        jsonb_build_object('acked', true, 'acked_by', ?::text, 'ack_reason', ?::text))""")) {
            ps.setLong(1, raiseEvent);
            ps.setString(2, after.toSeconds() + " seconds");
            ps.setString(3, actor);
            ps.setString(4, "alarm:" + alarm);
            ps.setString(5, actor);
            ps.setString(6, reason);
            ps.executeUpdate();
        }
    }

    /** The clear event of an occurrence. */
    void cleared(long raiseEvent, Duration after) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                INSERT INTO event (ts, name, origin, owner_kind, component_id, event_rule_id, event_rule_version, severity)
                SELECT ts + ?::interval, 'alarm.cleared', 'rule', owner_kind, component_id, event_rule_id, event_rule_version, severity
                FROM event WHERE id = ?""")) {
            ps.setString(1, after.toSeconds() + " seconds");
            ps.setLong(2, raiseEvent);
            ps.executeUpdate();
        }
    }

    /** A command that followed the raise (an operator's, so no action rule is needed). */
    void commanded(long raiseEvent, String owner, String key, String commandJson) throws SQLException {
        try (Connection c = db.getConnection()) {
            long command = one(c, """
                    INSERT INTO event (name, origin, owner_kind, component_id, trigger_event_id, actor, payload)
                    VALUES ('command', 'operator', 'component', ?, ?, 'olga', ?::jsonb) RETURNING id""",
                    owner.substring("component:".length()), raiseEvent, commandJson);
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO action (alarm_id, command_event_id, owner_kind, component_id, key, command, status)
                    VALUES (?, ?, 'component', ?, ?, ?::jsonb, 'confirmed')""")) {
                ps.setLong(1, alarmOf(raiseEvent));
                ps.setLong(2, command);
                ps.setString(3, owner.substring("component:".length()));
                ps.setString(4, key);
                ps.setString(5, commandJson);
                ps.executeUpdate();
            }
        }
    }

    private static long series(Connection c, String pump, String key) throws SQLException {
        return one(c, """
                INSERT INTO series (owner_kind, component_id, datapoint_type_id, kind, provenance, source)
                VALUES ('component', ?, (SELECT id FROM datapoint_type WHERE name = ?), 'metric', 'observed', 'sim')
                ON CONFLICT (owner_kind, component_id, system_id, location_id, node_id, datapoint_type_id, instance, provenance, source)
                DO UPDATE SET source = excluded.source RETURNING id""", pump, key);
    }

    static long one(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
