package io.omniglass.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.nats.client.PublishOptions;
import io.nats.client.Subscription;
import io.nats.client.impl.Headers;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.lane.LaneCodec;
import io.omniglass.api.lane.LaneDatapoint;
import io.omniglass.api.lane.LaneHeaders;
import io.omniglass.api.lane.LaneSubjects;
import io.omniglass.core.lanes.Lanes;
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
 * Calculated datapoints of one tenant. Every instance watches the metric lane live and computes
 * the same outputs from the latest inputs; the output's message id (rule, version, ts) lets
 * JetStream keep one copy, and the sink is idempotent on (series, ts) besides. Outputs carry
 * provenance calculated and source_rule {@code calc:<rule>} at the rule's version, a source_rule
 * row linked to the calc_rule_version.
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

    private final String slug;
    private final Connection nats;
    private final Dispatcher dispatcher;
    private final DSLContext db;
    private final LaneWindow window;
    private volatile List<CalcRuleDef> rules = List.of();
    private final Map<String, double[]> latest = new ConcurrentHashMap<>(); // owner|key -> {value, epoch micros}
    /** The metric lane, watched only while the tenant has calc rules (a tenant without costs nothing here). */
    private Subscription watching;
    private boolean closed;
    private final java.util.Set<String> announced = ConcurrentHashMap.newKeySet();

    /** Deliveries come on the tenant's shared lane dispatcher; the work per message is small and in memory. */
    CalcEngine(String slug, Lanes lanes, DSLContext db, LaneWindow window) {
        this.slug = slug;
        this.nats = lanes.connection(slug);
        this.dispatcher = lanes.dispatcher(slug);
        this.db = db;
        this.window = window;
    }

    void start() {
        refresh();
    }

    private synchronized void watch(boolean wanted) {
        if (wanted && watching == null && !closed) {
            watching = dispatcher.subscribe(TenantStreams.dataSubject(slug, "metric"), this::onMessage);
        } else if (!wanted && watching != null) {
            dispatcher.unsubscribe(watching);
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

    private void onMessage(Message m) {
        List<CalcRuleDef> current = rules;
        if (current.isEmpty()) {
            return;
        }
        List<CalcRuleDef> touched = new ArrayList<>();
        for (Reading dp : Reading.read(m)) {
            if (dp.number() == null || !dp.provenance().equals("observed") || !window.accepts(dp)) {
                continue; // an input the sink will not store must not become the latest one
            }
            String k = dp.owner() + "|" + dp.key();
            latest.merge(k, new double[]{dp.number(), micros(dp.ts())}, (a, b) -> a[1] >= b[1] ? a : b);
            for (CalcRuleDef r : current) {
                if (!touched.contains(r) && r.inputs().stream().anyMatch(i -> i.owner().equals(dp.owner()) && i.key().equals(dp.key()))) {
                    touched.add(r);
                }
            }
        }
        for (CalcRuleDef r : touched) {
            try {
                compute(r);
            } catch (Exception e) {
                log.warn("tenant {}: calc rule {} failed: {}", slug, r.name(), e.toString());
            }
        }
    }

    private void compute(CalcRuleDef r) throws Exception {
        Map<String, Double> vars = new HashMap<>();
        double ts = 0;
        for (Input in : r.inputs()) {
            double[] v = latest.get(in.owner() + "|" + in.key());
            if (v == null) {
                return; // not every input has been seen yet
            }
            vars.put(in.as(), v[0]);
            ts = Math.max(ts, v[1]);
        }
        double value = r.expression().eval(vars);
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            return;
        }
        long tsMicros = (long) ts;
        Instant at = Instant.ofEpochSecond(tsMicros / 1_000_000, (tsMicros % 1_000_000) * 1000);
        LaneDatapoint dp = LaneDatapoint.calculated(r.outputOwner(), r.outputKey(), at, value, "og-calc",
                r.sourceRule(), r.version());
        String msgId = "og-calc-" + r.id() + "-" + r.version() + "-" + tsMicros;
        Headers h = new Headers();
        h.put(LaneHeaders.MSG_ID, msgId);
        nats.jetStream().publishAsync(LaneSubjects.datapoints(slug, "metric"), h,
                LaneCodec.encode(dp), PublishOptions.builder().messageId(msgId).build())
                .whenComplete((ack, e) -> {
                    if (e != null) {
                        log.warn("tenant {}: calc rule {} could not publish: {}", slug, r.name(), e.toString());
                    }
                });
        if (announced.add(r.id() + "/" + r.version())) {
            log.info("tenant {}: calc rule {} v{} producing {} {} (first value {} at {})", slug, r.name(), r.version(),
                    r.outputOwner(), r.outputKey(), value, at);
        }
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
    }
}
