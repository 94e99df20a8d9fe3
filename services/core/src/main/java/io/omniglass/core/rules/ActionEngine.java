package io.omniglass.core.rules;

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
import io.omniglass.schema.tenant.enums.RegistryScope;
import io.omniglass.schema.tenant.tables.records.ActionRecord;
import io.omniglass.schema.tenant.tables.records.AlarmRecord;
import org.jooq.DSLContext;
import org.jooq.Record;
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
        String ruleName = db.select(EVENT_RULE.NAME).from(EVENT_RULE).where(EVENT_RULE.ID.eq(eventRuleId)).fetchOne(EVENT_RULE.NAME);
        if (ruleName == null) {
            return;
        }
        for (Record ar : db.select().from(ACTION_RULE).join(ACTION_RULE_VERSION)
                .on(ACTION_RULE_VERSION.ACTION_RULE_ID.eq(ACTION_RULE.ID)
                        .and(ACTION_RULE_VERSION.VERSION.eq(ACTION_RULE.CURRENT_VERSION)))
                .where(ACTION_RULE.ENABLED.isTrue().and(ACTION_RULE.DELETED_AT.isNull()))
                .fetch()) {
            JsonNode trigger = OmniglassClient.JSON.readTree(ar.get(ACTION_RULE_VERSION.TRIGGER).data());
            if (!"alarm".equals(trigger.path("table").asText("alarm"))
                    || !ruleName.equals(trigger.path("event_rule").asText())
                    || !"active".equals(trigger.path("state").asText("active"))) {
                continue;
            }
            JsonNode command = OmniglassClient.JSON.readTree(ar.get(ACTION_RULE_VERSION.COMMAND).data());
            String ownerFilter = trigger.path("owner").asText(null);
            Optional<Pending> pending = db.transactionResult(cfg -> commit(cfg.dsl(), ar.get(ACTION_RULE.ID),
                    ar.get(ACTION_RULE_VERSION.VERSION), ar.get(ACTION_RULE.NAME), command, alarmId, raiseEventId, ownerFilter));
            if (pending.isPresent()) {
                send(pending.get());
            }
        }
    }

    private record Pending(long actionId, long eventId, String owner, String key, DatapointKind kind, JsonNode value) {
    }

    private Optional<Pending> commit(DSLContext tx, long actionRuleId, int version, String actionRuleName,
                                     JsonNode command, long alarmId, long raiseEventId, String ownerFilter) {
        AlarmRecord alarm = tx.selectFrom(ALARM).where(ALARM.ID.eq(alarmId)).forShare().fetchOne();
        if (alarm == null || alarm.getState() != AlarmState.active || alarm.getRaiseEventId() != raiseEventId) {
            return Optional.empty(); // a stale change: that raise is over, do not command on it now
        }
        if (ownerFilter != null && !Selector.of(ownerFilter).matches(alarm.getOwner())) {
            return Optional.empty();
        }
        String owner = command.path("owner").asText();
        String key = command.path("key").asText();
        JsonNode value = command.path("value");
        DatapointKind kind = tx.select(DATAPOINT_TYPE.KIND).from(DATAPOINT_TYPE)
                .where(DATAPOINT_TYPE.NAME.eq(key).and(DATAPOINT_TYPE.SCOPE.ne(RegistryScope.template)))
                .fetchOne(DATAPOINT_TYPE.KIND);
        if (kind == null) {
            log.warn("tenant {}: action rule {} commands unknown key '{}'", slug, actionRuleName, key);
            return Optional.empty();
        }
        ObjectNode payload = OmniglassClient.JSON.createObjectNode();
        payload.put("owner", owner);
        payload.put("key", key);
        payload.set("value", value);
        payload.put("alarm_id", alarmId);
        Optional<Long> inserted = tx.insertInto(EVENT)
                .set(EVENT.NAME, "command")
                .set(EVENT.ORIGIN, EventOrigin.rule)
                .set(Owner.parse(owner).columns(EVENT))
                .set(EVENT.ACTION_RULE_ID, actionRuleId)
                .set(EVENT.ACTION_RULE_VERSION, version)
                .set(EVENT.TRIGGER_EVENT_ID, raiseEventId)
                .set(EVENT.MESSAGE, "command " + owner + " " + key + " = " + value + " (" + actionRuleName + ")")
                .set(EVENT.PAYLOAD, Jsonb.of(payload))
                .onConflictDoNothing()
                .returning(EVENT.ID).fetchOptional().map(r -> r.getId());
        ActionRecord action;
        if (inserted.isPresent()) {
            action = tx.insertInto(ACTION)
                    .set(ACTION.ACTION_RULE_ID, actionRuleId)
                    .set(ACTION.ACTION_RULE_VERSION, version)
                    .set(ACTION.ALARM_ID, alarmId)
                    .set(ACTION.COMMAND_EVENT_ID, inserted.get())
                    .set(Owner.parse(owner).columns(ACTION))
                    .set(ACTION.KEY, key)
                    .set(ACTION.COMMAND, Jsonb.of(command))
                    .set(ACTION.STATUS, ActionStatus.pending)
                    .returning().fetchOne();
        } else {
            action = tx.selectFrom(ACTION).where(ACTION.COMMAND_EVENT_ID.in(tx.select(EVENT.ID).from(EVENT)
                    .where(EVENT.ACTION_RULE_ID.eq(actionRuleId).and(EVENT.TRIGGER_EVENT_ID.eq(raiseEventId)))))
                    .fetchOne();
        }
        if (action == null || action.getStatus() != ActionStatus.pending) {
            return Optional.empty();
        }
        return Optional.of(new Pending(action.getId(), action.getCommandEventId(), owner, key, kind, value));
    }

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
        db.update(ACTION).set(ACTION.STATUS, ActionStatus.sent).set(ACTION.UPDATED_AT, OffsetDateTime.now(ZoneOffset.UTC))
                .where(ACTION.ID.eq(p.actionId()).and(ACTION.STATUS.eq(ActionStatus.pending))).execute();
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
