package io.omniglass.core.rules;

import io.omniglass.core.gateway.HotSql;
import io.omniglass.core.gateway.Jsonb;
import io.omniglass.core.lanes.Lane;
import io.omniglass.core.lanes.LaneInbox;
import io.omniglass.core.lanes.Lanes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.impl.Headers;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.lane.ChangeMessage;
import io.omniglass.api.lane.LaneCodec;
import io.omniglass.api.lane.LaneDatapoint;
import io.omniglass.api.lane.LaneHeaders;
import io.omniglass.api.lane.LaneSubjects;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.schema.tenant.enums.ActionStatus;
import io.omniglass.schema.tenant.enums.AlarmState;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.EventOrigin;
import io.omniglass.schema.tenant.enums.OwnerKind;
import io.omniglass.schema.tenant.enums.RegistryScope;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static io.omniglass.schema.tenant.Tables.ACTION;
import static io.omniglass.schema.tenant.Tables.ACTION_RULE;
import static io.omniglass.schema.tenant.Tables.ACTION_RULE_VERSION;
import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE;

/**
 * Action rules of one tenant, a {@link Lane} reacting to the CDC feed of the alarm table (shared
 * durable consumer {@code og-actions}). When an alarm an action rule watches becomes active, one transaction
 * writes the command event (lineage: the action rule version and the alarm's raise event) and the
 * action row; after the commit the intended datapoint goes onto the data lane (the sink stores it)
 * and the command onto {@code og.<tenant>.cmd}. A redelivered change finds the command already
 * there (unique per action rule and raise event) and only re-sends what was not yet marked sent.
 */
final class ActionEngine implements AutoCloseable {

    static final String DURABLE = "og-actions";
    private static final Logger log = LoggerFactory.getLogger(ActionEngine.class);

    private static final int BATCH = 100;

    private final String slug;
    private final Lanes lanes;
    private final Connection control;
    private final Connection nats;
    private final DSLContext db;
    private final Lane lane;
    private final java.util.function.Consumer<JsonNode> alarmRows;
    private volatile LaneInbox inbox;

    /** {@code alarmRows} sees the row of every alarm change this instance handles (the snooze timer listens). */
    ActionEngine(String slug, Lanes lanes, Connection control, DSLContext db, java.util.function.Consumer<JsonNode> alarmRows) {
        this.slug = slug;
        this.lanes = lanes;
        this.control = control;
        this.nats = lanes.connection(slug);
        this.db = db;
        this.alarmRows = alarmRows;
        this.lane = lanes.lane("actions:" + slug, this::turn);
    }

    static String alarmSubject(String slug) {
        return TenantStreams.cdcSubject(slug, "alarm");
    }

    static String commandSubject(String slug) {
        return "og." + slug + ".cmd";
    }

    void start() throws Exception {
        control.jetStreamManagement().addOrUpdateConsumer(TenantStreams.cdcStream(slug), ConsumerConfiguration.builder()
                .durable(DURABLE)
                .filterSubject(alarmSubject(slug))
                .ackPolicy(AckPolicy.Explicit)
                .deliverPolicy(DeliverPolicy.All)
                .ackWait(Duration.ofSeconds(30))
                .build());
        inbox = LaneInbox.create(lanes, slug, TenantStreams.cdcStream(slug), DURABLE, lane, BATCH, 4 * BATCH, 16L << 20);
        inbox.start();
    }

    private boolean turn() {
        LaneInbox in = inbox;
        if (in == null) {
            return false;
        }
        for (Message m : in.take(BATCH)) {
            try {
                handle(m.getData());
                m.ack();
            } catch (IOException | RuntimeException e) {
                log.warn("tenant {}: action rules failed on an alarm change (redelivering): {}", slug, e.toString());
                m.nakWithDelay(Duration.ofSeconds(2));
            }
        }
        return in.hasQueued();
    }

    /** One CDC change of the alarm table, in the CONTRACT.md format. */
    void handle(byte[] body) throws IOException {
        ChangeMessage change = ChangeMessage.read(body);
        JsonNode row = change.rowOrMissing();
        if (row.isObject()) {
            alarmRows.accept(row);
        }
        if (!"alarm".equals(change.table()) || ChangeMessage.DELETE.equals(change.op())
                || !"active".equals(row.path("state").asText())) {
            return;
        }
        long alarmId = asLong(row.path("id"));
        long raiseEventId = asLong(row.path("raise_event_id"));
        long eventRuleId = asLong(row.path("event_rule_id"));
        for (Triggered ar : triggered(db, eventRuleId)) {
            JsonNode trigger = OmniglassClient.JSON.readTree(ar.trigger());
            if (!"alarm".equals(trigger.path("table").asText("alarm"))
                    || !"active".equals(trigger.path("state").asText("active"))) {
                continue;
            }
            JsonNode command = OmniglassClient.JSON.readTree(ar.command());
            String ownerFilter = trigger.path("owner").asText(null);
            Optional<Pending> pending = db.transactionResult(cfg -> commit(cfg.dsl(), ar.id(),
                    ar.version(), ar.name(), command, alarmId, raiseEventId, ownerFilter));
            if (pending.isPresent()) {
                send(pending.get());
            }
        }
    }

    /** An enabled action rule's current version whose trigger names the alarm's event rule. */
    record Triggered(long id, int version, String name, String trigger, String command) {
    }

    /**
     * The enabled action rules whose current version's trigger names the event rule (by its name),
     * in one statement with the event rule's id bound. Every active alarm change asks this, and on a
     * fleet almost always finds none: through jOOQ it was two statements (the rule's name, then
     * every enabled action rule with its trigger and command parsed), both rendered per change.
     */
    static List<Triggered> triggered(DSLContext db, long eventRuleId) {
        return HotSql.query(db, TRIGGERED, ps -> ps.setLong(1, eventRuleId), rs -> {
            List<Triggered> found = new ArrayList<>();
            while (rs.next()) {
                found.add(new Triggered(rs.getLong(1), rs.getInt(2), rs.getString(3), rs.getString(4), rs.getString(5)));
            }
            return found;
        });
    }

    private static final String TRIGGERED = "SELECT ar." + HotSql.q(ACTION_RULE.ID) + ", v." + HotSql.q(ACTION_RULE_VERSION.VERSION)
            + ", ar." + HotSql.q(ACTION_RULE.NAME) + ", v." + HotSql.q(ACTION_RULE_VERSION.TRIGGER) + "::text, v."
            + HotSql.q(ACTION_RULE_VERSION.COMMAND) + "::text FROM " + HotSql.q(ACTION_RULE) + " ar JOIN "
            + HotSql.q(ACTION_RULE_VERSION) + " v ON v." + HotSql.q(ACTION_RULE_VERSION.ACTION_RULE_ID) + " = ar." + HotSql.q(ACTION_RULE.ID)
            + " AND v." + HotSql.q(ACTION_RULE_VERSION.VERSION) + " = ar." + HotSql.q(ACTION_RULE.CURRENT_VERSION)
            + " JOIN " + HotSql.q(EVENT_RULE) + " r ON r." + HotSql.q(EVENT_RULE.ID) + " = ? AND v."
            + HotSql.q(ACTION_RULE_VERSION.TRIGGER) + " ->> 'event_rule' = r." + HotSql.q(EVENT_RULE.NAME)
            + " WHERE ar." + HotSql.q(ACTION_RULE.ENABLED) + " AND ar." + HotSql.q(ACTION_RULE.DELETED_AT) + " IS NULL"
            + " ORDER BY ar." + HotSql.q(ACTION_RULE.ID);

    private record Pending(long actionId, long eventId, String owner, String key, DatapointKind kind, JsonNode value) {
    }

    /**
     * In the action's transaction: the alarm still active on this raise (held FOR SHARE) and the
     * commanded key's kind in one statement, then the command event and the action row in one
     * ({@code ON CONFLICT DO NOTHING} on the event: a redelivery inserts neither and reads the
     * action it made before).
     */
    private Optional<Pending> commit(DSLContext tx, long actionRuleId, int version, String actionRuleName,
                                     JsonNode command, long alarmId, long raiseEventId, String ownerFilter) {
        String owner = command.path("owner").asText();
        String key = command.path("key").asText();
        JsonNode value = command.path("value");
        HeldAlarm held = HotSql.query(tx, HELD_ALARM, ps -> {
            ps.setString(1, key);
            ps.setLong(2, alarmId);
        }, rs -> rs.next() ? new HeldAlarm(AlarmState.lookupLiteral(rs.getString(1)), rs.getLong(2), rs.getString(3),
                rs.getString(4) == null ? null : DatapointKind.lookupLiteral(rs.getString(4))) : null);
        if (held == null || held.state() != AlarmState.active || held.raiseEventId() != raiseEventId) {
            return Optional.empty(); // a stale change: that raise is over, do not command on it now
        }
        if (ownerFilter != null && !Selector.of(ownerFilter).matches(held.owner())) {
            return Optional.empty();
        }
        DatapointKind kind = held.keyKind();
        if (kind == null) {
            log.warn("tenant {}: action rule {} commands unknown key '{}'", slug, actionRuleName, key);
            return Optional.empty();
        }
        ObjectNode payload = OmniglassClient.JSON.createObjectNode();
        payload.put("owner", owner);
        payload.put("key", key);
        payload.set("value", value);
        payload.put("alarm_id", alarmId);
        Owner o = Owner.parse(owner);
        String message = "command " + owner + " " + key + " = " + value + " (" + actionRuleName + ")";
        String payloadJson = Jsonb.of(payload).data();
        String commandJson = Jsonb.of(command).data();
        HotSql.Rows<Made> action = rs -> rs.next()
                ? new Made(rs.getLong(1), ActionStatus.lookupLiteral(rs.getString(2)), rs.getLong(3))
                : null;
        Made made = HotSql.query(tx, COMMAND, ps -> {
            int i = 1;
            i = o.bind(ps, i);
            ps.setLong(i++, actionRuleId);
            ps.setInt(i++, version);
            ps.setLong(i++, raiseEventId);
            ps.setString(i++, message);
            HotSql.setUntyped(ps, i++, payloadJson);
            ps.setLong(i++, actionRuleId);
            ps.setInt(i++, version);
            ps.setLong(i++, alarmId);
            i = o.bind(ps, i);
            ps.setString(i++, key);
            HotSql.setUntyped(ps, i, commandJson);
        }, action);
        if (made == null) {
            made = HotSql.query(tx, COMMANDED, ps -> {
                ps.setLong(1, actionRuleId);
                ps.setLong(2, raiseEventId);
            }, action);
        }
        if (made == null || made.status() != ActionStatus.pending) {
            return Optional.empty();
        }
        return Optional.of(new Pending(made.actionId(), made.commandEventId(), owner, key, kind, value));
    }

    /** The alarm as the command needs it, and the commanded key's kind (null: no such key). */
    private record HeldAlarm(AlarmState state, long raiseEventId, String owner, DatapointKind keyKind) {
    }

    /** The action row of the command: made now, or by an earlier delivery of the same raise. */
    private record Made(long actionId, ActionStatus status, long commandEventId) {
    }

    private static final String OWNER_KIND = '"' + OwnerKind.component.getName() + '"';

    /** The alarm (locked FOR SHARE: a clear waits for the command) and the commanded key's kind. */
    private static final String HELD_ALARM = "SELECT a." + HotSql.q(ALARM.STATE) + "::text, a." + HotSql.q(ALARM.RAISE_EVENT_ID)
            + ", a." + HotSql.q(ALARM.OWNER) + ", (SELECT t." + HotSql.q(DATAPOINT_TYPE.KIND) + "::text FROM " + HotSql.q(DATAPOINT_TYPE)
            + " t WHERE t." + HotSql.q(DATAPOINT_TYPE.NAME) + " = ? AND t." + HotSql.q(DATAPOINT_TYPE.SCOPE) + " <> '"
            + RegistryScope.template.getLiteral() + "') FROM " + HotSql.q(ALARM) + " a WHERE a." + HotSql.q(ALARM.ID)
            + " = ? FOR SHARE OF a";

    /** The command event and, when it was new, the action row pointing at it. */
    private static final String COMMAND = "WITH e AS (INSERT INTO " + HotSql.q(EVENT) + " (" + HotSql.q(EVENT.NAME) + ", "
            + HotSql.q(EVENT.ORIGIN) + ", " + Owner.arcColumns(EVENT) + ", " + HotSql.q(EVENT.ACTION_RULE_ID) + ", "
            + HotSql.q(EVENT.ACTION_RULE_VERSION) + ", " + HotSql.q(EVENT.TRIGGER_EVENT_ID) + ", " + HotSql.q(EVENT.MESSAGE) + ", "
            + HotSql.q(EVENT.PAYLOAD) + ") VALUES ('command', '" + EventOrigin.rule.getLiteral() + "', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT DO NOTHING RETURNING " + HotSql.q(EVENT.ID) + ")"
            + " INSERT INTO " + HotSql.q(ACTION) + " (" + HotSql.q(ACTION.ACTION_RULE_ID) + ", " + HotSql.q(ACTION.ACTION_RULE_VERSION) + ", "
            + HotSql.q(ACTION.ALARM_ID) + ", " + HotSql.q(ACTION.COMMAND_EVENT_ID) + ", " + Owner.arcColumns(ACTION) + ", "
            + HotSql.q(ACTION.KEY) + ", " + HotSql.q(ACTION.COMMAND) + ", " + HotSql.q(ACTION.STATUS) + ")"
            + " SELECT ?, ?, ?, e." + HotSql.q(EVENT.ID) + ", ?::" + OWNER_KIND + ", ?, ?, ?, ?, ?, ?::jsonb, '" + ActionStatus.pending.getLiteral() + "' FROM e"
            + " RETURNING " + HotSql.q(ACTION.ID) + ", " + HotSql.q(ACTION.STATUS) + "::text, " + HotSql.q(ACTION.COMMAND_EVENT_ID);

    /** The action a previous delivery of the same raise made. */
    private static final String COMMANDED = "SELECT " + HotSql.q(ACTION.ID) + ", " + HotSql.q(ACTION.STATUS) + "::text, "
            + HotSql.q(ACTION.COMMAND_EVENT_ID) + " FROM " + HotSql.q(ACTION) + " WHERE " + HotSql.q(ACTION.COMMAND_EVENT_ID)
            + " IN (SELECT " + HotSql.q(EVENT.ID) + " FROM " + HotSql.q(EVENT) + " WHERE " + HotSql.q(EVENT.ACTION_RULE_ID)
            + " = ? AND " + HotSql.q(EVENT.TRIGGER_EVENT_ID) + " = ?)";

    private static final String SENT = "UPDATE " + HotSql.q(ACTION) + " SET " + HotSql.q(ACTION.STATUS) + " = '"
            + ActionStatus.sent.getLiteral() + "', " + HotSql.q(ACTION.UPDATED_AT) + " = ? WHERE " + HotSql.q(ACTION.ID)
            + " = ? AND " + HotSql.q(ACTION.STATUS) + " = '" + ActionStatus.pending.getLiteral() + "'";

    /** After the commit: the intended datapoint (deduplicated by its message id) and the device command. */
    private void send(Pending p) throws IOException {
        String msgId = "og-intended-" + p.eventId();
        LaneDatapoint dp = LaneDatapoint.intended(p.owner(), p.key(), Instant.now().truncatedTo(ChronoUnit.MICROS),
                p.value(), "og-actions", p.eventId());
        Headers h = new Headers();
        h.put(LaneHeaders.MSG_ID, msgId);
        h.put(LaneHeaders.CORRELATION_ID, "event-" + p.eventId());
        try {
            nats.jetStream().publish(LaneSubjects.datapoints(slug, p.kind().getLiteral()), h,
                    LaneCodec.encode(dp), PublishOptions.builder().messageId(msgId).build());
        } catch (JetStreamApiException e) {
            throw new IOException(e);
        }
        ObjectNode cmd = OmniglassClient.JSON.createObjectNode();
        cmd.put("event_id", p.eventId());
        cmd.put("owner", p.owner());
        cmd.put("key", p.key());
        cmd.set("value", p.value());
        Headers ch = new Headers();
        ch.put(LaneHeaders.CORRELATION_ID, "event-" + p.eventId());
        nats.publish(commandSubject(slug), ch, OmniglassClient.JSON.writeValueAsBytes(cmd));
        HotSql.update(db, SENT, ps -> {
            HotSql.setTs(ps, 1, OffsetDateTime.now(ZoneOffset.UTC));
            ps.setLong(2, p.actionId());
        });
        log.info("tenant {}: command {} {} = {} sent (event {})", slug, p.owner(), p.key(), p.value(), p.eventId());
    }

    static long asLong(JsonNode n) {
        if (n.isNumber()) {
            return n.asLong();
        }
        if (n.isTextual()) {
            return Long.parseLong(n.asText());
        }
        throw new IllegalArgumentException("expected a number, got " + n);
    }


    @Override
    public void close() {
        lane.close(3000);
        LaneInbox in = inbox;
        if (in != null) {
            in.close();
        }
    }
}
