package io.omniglass.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.impl.Headers;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.lane.LaneCodec;
import io.omniglass.api.lane.LaneDatapoint;
import io.omniglass.api.lane.LaneHeaders;
import io.omniglass.api.lane.LaneSubjects;
import io.omniglass.core.lanes.Lanes;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.PublishAck;
import io.omniglass.core.lanes.Lane;
import io.omniglass.core.lanes.LaneInbox;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.schema.tenant.enums.Provenance;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static io.omniglass.schema.tenant.Tables.CALC_RULE;
import static io.omniglass.schema.tenant.Tables.CALC_RULE_VERSION;
import static io.omniglass.schema.tenant.Tables.CURRENT_VALUE;
import static io.omniglass.schema.tenant.Tables.SOURCE_RULE;

/**
 * Calculated datapoints of one tenant, fed by the shared durable consumer {@code og-calc} on the
 * metric lane (at least once: a message is acknowledged only after the outputs it caused were
 * stored by JetStream; a crash redelivers it). An output sits at the ts of the newest input the
 * message carried and takes that message's values for the inputs it carries (the latest known
 * ones for the others), so a redelivered message yields the same output at the same ts, under the
 * same message id (rule, version, ts): JetStream keeps one copy and the sink is idempotent on
 * (series, ts) besides. Outputs carry provenance calculated and source_rule {@code calc:<rule>}
 * at the rule's version, a source_rule row linked to the calc_rule_version.
 */
final class CalcEngine implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CalcEngine.class);

    record Input(String owner, String key, String as) {
    }

    record CalcRuleDef(long id, int version, String name, List<Input> inputs, CalcExpression expression,
                       String outputOwner, String outputKey) {
        String sourceRule() {
            return "calc:" + name;
        }
    }

    static final String DURABLE = "og-calc";
    /** Metric messages per turn: a replaying tenant's turn stays short, so others get theirs. */
    static final int BATCH = 200;

    private final String slug;
    private final Lanes lanes;
    private final Connection nats;
    private final Lane lane;
    private final DSLContext db;
    private final LaneWindow window;
    private volatile List<CalcRuleDef> rules = List.of();
    private final Map<String, double[]> latest = new ConcurrentHashMap<>(); // owner|key -> {value, epoch micros}
    /** The metric lane, consumed only while the tenant has calc rules (a tenant without costs nothing here). */
    private LaneInbox watching;
    private boolean closed;
    private final java.util.Set<String> announced = ConcurrentHashMap.newKeySet();

    /** Deliveries are pulled onto a lane of the core's shared workers; the work per message is small and in memory. */
    CalcEngine(String slug, Lanes lanes, DSLContext db, LaneWindow window) {
        this.slug = slug;
        this.lanes = lanes;
        this.nats = lanes.connection(slug);
        this.db = db;
        this.window = window;
        this.lane = lanes.lane("calc:" + slug, this::turn);
    }

    void start() {
        refresh();
    }

    private synchronized void watch(boolean wanted) {
        if (wanted && watching == null && !closed) {
            try {
                nats.jetStreamManagement().addOrUpdateConsumer(TenantStreams.dataStream(slug), ConsumerConfiguration.builder()
                        .durable(DURABLE)
                        .filterSubject(LaneSubjects.datapoints(slug, "metric"))
                        .ackPolicy(AckPolicy.Explicit)
                        // made with the first calc rule: what came before has no rule to compute
                        .deliverPolicy(DeliverPolicy.New)
                        .ackWait(Duration.ofSeconds(30))
                        .maxAckPending(4 * BATCH)
                        .build());
                watching = LaneInbox.create(lanes, slug, TenantStreams.dataStream(slug), DURABLE, lane, BATCH,
                        4 * BATCH, 16L << 20).start();
            } catch (Exception e) {
                log.warn("tenant {}: calc rules cannot consume the metric lane: {}", slug, e.toString());
            }
        } else if (!wanted && watching != null) {
            watching.close();
            watching = null;
        }
    }

    /** Reloads the enabled calc rules, making sure each version has its source_rule row. */
    void refresh() {
        List<CalcRuleDef> loaded = new ArrayList<>();
        for (Record r : db.select().from(CALC_RULE).join(CALC_RULE_VERSION)
                .on(CALC_RULE_VERSION.CALC_RULE_ID.eq(CALC_RULE.ID).and(CALC_RULE_VERSION.VERSION.eq(CALC_RULE.CURRENT_VERSION)))
                .where(CALC_RULE.ENABLED.isTrue().and(CALC_RULE.DELETED_AT.isNull())).fetch()) {
            try {
                CalcRuleDef def = define(r.get(CALC_RULE.ID), r.get(CALC_RULE_VERSION.VERSION), r.get(CALC_RULE.NAME),
                        OmniglassClient.JSON.readTree(r.get(CALC_RULE_VERSION.INPUTS).data()), r.get(CALC_RULE_VERSION.EXPRESSION),
                        r.get(CALC_RULE_VERSION.OUTPUT_OWNER), r.get(CALC_RULE_VERSION.OUTPUT_KEY));
                ensureSourceRule(db, def);
                loaded.add(def);
                for (Input in : def.inputs()) {
                    seed(in);
                }
            } catch (IOException | IllegalArgumentException e) {
                log.warn("tenant {}: calc rule {} skipped: {}", slug, r.get(CALC_RULE.NAME), e.getMessage());
            }
        }
        rules = List.copyOf(loaded);
        watch(!loaded.isEmpty());
        if (!loaded.isEmpty()) {
            log.info("tenant {}: {} calc rules", slug, loaded.size());
        }
    }

    static CalcRuleDef define(long id, int version, String name, JsonNode inputs, String expression,
                              String outputOwner, String outputKey) {
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw new IllegalArgumentException("inputs must be a non-empty list of {\"owner\", \"key\", \"as\"}");
        }
        List<Input> list = new ArrayList<>();
        Map<String, Input> byName = new LinkedHashMap<>();
        for (JsonNode n : inputs) {
            String as = n.path("as").asText(n.path("key").asText());
            Input in = new Input(n.path("owner").asText(), n.path("key").asText(), as);
            Owner.parse(in.owner());
            if (in.key().isBlank() || byName.put(as, in) != null) {
                throw new IllegalArgumentException("each input needs a key and a distinct name (\"as\")");
            }
            list.add(in);
        }
        Owner.parse(outputOwner);
        return new CalcRuleDef(id, version, name, list, CalcExpression.parse(expression, byName.keySet()), outputOwner, outputKey);
    }

    static void ensureSourceRule(DSLContext db, CalcRuleDef def) {
        db.insertInto(SOURCE_RULE)
                .set(SOURCE_RULE.NAME, def.sourceRule())
                .set(SOURCE_RULE.VERSION, def.version())
                .set(SOURCE_RULE.CALC_RULE_ID, def.id())
                .set(SOURCE_RULE.CALC_RULE_VERSION, def.version())
                .onConflictDoNothing().execute();
    }

    private void seed(Input in) {
        Record r = db.select(CURRENT_VALUE.VALUE_NUM, CURRENT_VALUE.TS).from(CURRENT_VALUE)
                .where(CURRENT_VALUE.OWNER.eq(in.owner()).and(CURRENT_VALUE.KEY.eq(in.key()))
                        .and(CURRENT_VALUE.PROVENANCE.eq(Provenance.observed)).and(CURRENT_VALUE.INSTANCE.eq("")))
                .fetchOne();
        if (r != null && r.get(CURRENT_VALUE.VALUE_NUM) != null) {
            Instant ts = r.get(CURRENT_VALUE.TS).toInstant();
            latest.merge(in.owner() + "|" + in.key(), new double[]{r.get(CURRENT_VALUE.VALUE_NUM), micros(ts)},
                    (a, b) -> a[1] >= b[1] ? a : b);
        }
    }

    private boolean turn() {
        LaneInbox in;
        synchronized (this) {
            in = watching;
        }
        if (in == null) {
            return false;
        }
        List<Message> batch = in.take(BATCH);
        if (batch.isEmpty()) {
            return false;
        }
        try {
            process(batch);
            batch.forEach(Message::ack);
        } catch (Exception e) {
            // nothing is acknowledged before its outputs are stored: the batch comes again, with the same keys
            log.warn("tenant {}: calc outputs not stored, redelivering {} messages: {}", slug, batch.size(), e.toString());
            batch.forEach(m -> m.nakWithDelay(Duration.ofSeconds(1)));
            lane.parkAfterTurn(1000);
        }
        return in.hasQueued();
    }

    /** Computes and publishes the outputs of a batch; returns when JetStream stored every one. */
    void process(List<Message> batch) throws Exception {
        List<CalcRuleDef> current = rules;
        if (current.isEmpty()) {
            return;
        }
        List<CompletableFuture<PublishAck>> acks = new ArrayList<>();
        for (Message m : batch) {
            Map<String, double[]> carried = new HashMap<>(); // owner|key -> {value, epoch micros}, newest in the message
            for (Reading dp : Reading.read(m)) {
                if (dp.number() == null || !dp.provenance().equals("observed") || !window.accepts(dp)) {
                    continue; // an input the sink will not store must not become the latest one
                }
                carried.merge(dp.owner() + "|" + dp.key(), new double[]{dp.number(), micros(dp.ts())},
                        (a, b) -> a[1] >= b[1] ? a : b);
            }
            if (carried.isEmpty()) {
                continue;
            }
            for (CalcRuleDef r : current) {
                if (r.inputs().stream().anyMatch(i -> carried.containsKey(i.owner() + "|" + i.key()))) {
                    CompletableFuture<PublishAck> ack = compute(r, carried);
                    if (ack != null) {
                        acks.add(ack);
                    }
                }
            }
            carried.forEach((k, v) -> latest.merge(k, v, (a, b) -> a[1] >= b[1] ? a : b));
        }
        for (CompletableFuture<PublishAck> ack : acks) {
            ack.get(30, TimeUnit.SECONDS);
        }
    }

    /** The output of {@code r} for one message, or null when an input was never seen or the value is not finite. */
    private CompletableFuture<PublishAck> compute(CalcRuleDef r, Map<String, double[]> carried) throws Exception {
        Map<String, Double> vars = new HashMap<>();
        double ts = 0;
        for (Input in : r.inputs()) {
            String k = in.owner() + "|" + in.key();
            double[] v = carried.get(k);
            if (v != null) {
                ts = Math.max(ts, v[1]);
            } else {
                v = latest.get(k);
            }
            if (v == null) {
                return null; // not every input has been seen yet
            }
            vars.put(in.as(), v[0]);
        }
        double value = r.expression().eval(vars);
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return null;
        }
        long tsMicros = (long) ts;
        Instant at = Instant.ofEpochSecond(Math.floorDiv(tsMicros, 1_000_000), Math.floorMod(tsMicros, 1_000_000) * 1000);
        LaneDatapoint dp = LaneDatapoint.calculated(r.outputOwner(), r.outputKey(), at, value, "og-calc",
                r.sourceRule(), r.version());
        String msgId = "og-calc-" + r.id() + "-" + r.version() + "-" + tsMicros;
        Headers h = new Headers();
        h.put(LaneHeaders.MSG_ID, msgId);
        if (announced.add(r.id() + "/" + r.version())) {
            log.info("tenant {}: calc rule {} v{} producing {} {} (first value {} at {})", slug, r.name(), r.version(),
                    r.outputOwner(), r.outputKey(), value, at);
        }
        return nats.jetStream().publishAsync(LaneSubjects.datapoints(slug, "metric"), h,
                LaneCodec.encode(dp), PublishOptions.builder().messageId(msgId).build());
    }

    private static double micros(Instant ts) {
        return ts.getEpochSecond() * 1_000_000.0 + ts.getNano() / 1000;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        watch(false);
        lane.close(3000);
    }
}
