package io.omniglass.core.lineage;

import io.omniglass.api.LineageGraph;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.impl.DSL;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static io.omniglass.schema.tenant.Tables.ACTION;
import static io.omniglass.schema.tenant.Tables.ACTION_RULE;
import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.CALC_RULE;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE_VERSION;
import static io.omniglass.schema.tenant.Tables.LOG_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.METRIC_DATAPOINT;
import static io.omniglass.schema.tenant.Tables.SERIES;
import static io.omniglass.schema.tenant.Tables.SOURCE_RULE;
import static io.omniglass.schema.tenant.Tables.STATE_DATAPOINT;

/**
 * The lineage graph around one datapoint, event, alarm or action: walks the foreign keys both
 * ways (datapoint -> trigger of events -> alarm it raised -> command events -> action -> intended
 * and caused datapoints, and back to rule versions and source rules), breadth first to
 * {@code depth}. A node's {@code hidden} counts its neighbours left out (beyond the depth, or
 * beyond {@link #FANOUT} of one relation, e.g. the thousands of events of one rule version).
 */
public final class Lineage {

    public static final int FANOUT = 25;
    public static final int MAX_DEPTH = 8;

    private final DSLContext db;

    public Lineage(DSLContext db) {
        this.db = db;
    }

    public static String datapointId(String kind, long series, Instant ts) {
        return "datapoint:" + kind + ":" + series + ":" + ts;
    }

    /** The graph, or empty when the root does not exist. */
    public Optional<LineageGraph> walk(String rootId, int depth) {
        Optional<LineageGraph.Node> root = load(rootId);
        if (root.isEmpty()) {
            return Optional.empty();
        }
        Map<String, LineageGraph.Node> nodes = new LinkedHashMap<>();
        Set<LineageGraph.Edge> edges = new LinkedHashSet<>();
        Map<String, Integer> hidden = new LinkedHashMap<>();
        nodes.put(rootId, root.get());
        List<String> frontier = List.of(rootId);
        for (int d = 0; d < depth && !frontier.isEmpty(); d++) {
            List<String> next = new ArrayList<>();
            for (String id : frontier) {
                Neighbours nb = neighbours(id);
                hidden.put(id, nb.truncated);
                for (Link l : nb.links) {
                    edges.add(l.edge);
                    if (!nodes.containsKey(l.other)) {
                        Optional<LineageGraph.Node> n = load(l.other);
                        if (n.isPresent()) {
                            nodes.put(l.other, n.get());
                            next.add(l.other);
                        }
                    }
                }
            }
            frontier = next;
        }
        // the last ring: edges among returned nodes are shown, the rest is counted
        for (String id : frontier) {
            Neighbours nb = neighbours(id);
            int h = nb.truncated;
            for (Link l : nb.links) {
                if (nodes.containsKey(l.other)) {
                    edges.add(l.edge);
                } else {
                    h++;
                }
            }
            hidden.put(id, h);
        }
        List<LineageGraph.Node> out = new ArrayList<>();
        for (LineageGraph.Node n : nodes.values()) {
            out.add(new LineageGraph.Node(n.id(), n.type(), n.label(), n.attrs(), hidden.getOrDefault(n.id(), 0)));
        }
        List<LineageGraph.Edge> es = edges.stream().filter(e -> nodes.containsKey(e.from()) && nodes.containsKey(e.to())).toList();
        return Optional.of(new LineageGraph(rootId, depth, out, es));
    }

    // ------------------------------------------------------------------ nodes

    private Optional<LineageGraph.Node> load(String id) {
        String[] p = id.split(":", 2);
        return switch (p[0]) {
            case "datapoint" -> loadDatapoint(id);
            case "event" -> db.selectFrom(EVENT).where(EVENT.ID.eq(num(p[1]))).fetchOptional().map(e -> node(id, "event",
                    e.getName() + " " + e.getOwner(), attrs("ts", e.getTs(), "origin", e.getOrigin().getLiteral(), "owner", e.getOwner(),
                            "severity", e.getSeverity().getLiteral(), "message", e.getMessage())));
            case "alarm" -> db.selectFrom(ALARM).where(ALARM.ID.eq(num(p[1]))).fetchOptional().map(a -> node(id, "alarm",
                    a.getOwner() + " " + a.getState().getLiteral(), attrs("owner", a.getOwner(), "state", a.getState().getLiteral(),
                            "acked", a.getAcked(), "severity", a.getSeverity().getLiteral(), "message", a.getMessage(),
                            "snoozed_until", a.getSnoozedUntil())));
            case "action" -> db.selectFrom(ACTION).where(ACTION.ID.eq(num(p[1]))).fetchOptional().map(a -> node(id, "action",
                    a.getOwner() + " " + a.getKey() + " " + a.getStatus().getLiteral(), attrs("owner", a.getOwner(), "key", a.getKey(),
                            "status", a.getStatus().getLiteral(), "command", a.getCommand().data(), "created_at", a.getCreatedAt())));
            case "event_rule_version" -> {
                String[] k = p[1].split(":");
                yield db.select(EVENT_RULE.NAME, EVENT_RULE_VERSION.SELECTOR, EVENT_RULE_VERSION.KEY, EVENT_RULE_VERSION.CONDITION)
                        .from(EVENT_RULE_VERSION).join(EVENT_RULE).on(EVENT_RULE.ID.eq(EVENT_RULE_VERSION.EVENT_RULE_ID))
                        .where(EVENT_RULE_VERSION.EVENT_RULE_ID.eq(num(k[0])).and(EVENT_RULE_VERSION.VERSION.eq((int) num(k[1]))))
                        .fetchOptional().map(r -> node(id, "event_rule_version", r.value1() + " v" + k[1],
                                attrs("rule", r.value1(), "selector", r.value2(), "key", r.value3(), "condition", r.value4().data())));
            }
            case "action_rule_version" -> {
                String[] k = p[1].split(":");
                yield db.select(ACTION_RULE.NAME).from(ACTION_RULE).where(ACTION_RULE.ID.eq(num(k[0])))
                        .fetchOptional().map(r -> node(id, "action_rule_version", r.value1() + " v" + k[1], attrs("rule", r.value1())));
            }
            case "calc_rule_version" -> {
                String[] k = p[1].split(":");
                yield db.select(CALC_RULE.NAME).from(CALC_RULE).where(CALC_RULE.ID.eq(num(k[0])))
                        .fetchOptional().map(r -> node(id, "calc_rule_version", r.value1() + " v" + k[1], attrs("rule", r.value1())));
            }
            case "source_rule" -> db.selectFrom(SOURCE_RULE).where(SOURCE_RULE.ID.eq((int) num(p[1]))).fetchOptional()
                    .map(s -> node(id, "source_rule", s.getName() + " v" + s.getVersion(), attrs("name", s.getName(), "version", s.getVersion())));
            case "series" -> db.select(SERIES.OWNER, DATAPOINT_TYPE.NAME, SERIES.PROVENANCE, SERIES.SOURCE, SERIES.INSTANCE, SERIES.KIND)
                    .from(SERIES).join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID))
                    .where(SERIES.ID.eq(num(p[1]))).fetchOptional().map(r -> node(id, "series", r.value1() + " " + r.value2(),
                            attrs("owner", r.value1(), "key", r.value2(), "provenance", r.value3().getLiteral(), "source", r.value4(),
                                    "instance", r.value5(), "kind", r.value6().getLiteral())));
            default -> Optional.empty();
        };
    }

    private Optional<LineageGraph.Node> loadDatapoint(String id) {
        Dp dp = Dp.parse(id);
        Record r = db.select().from(table(dp.kind)).where(seriesField(dp.kind).eq(dp.series).and(tsField(dp.kind).eq(dp.ts)))
                .fetchOne();
        Record s = db.select(SERIES.OWNER, DATAPOINT_TYPE.NAME, SERIES.PROVENANCE).from(SERIES)
                .join(DATAPOINT_TYPE).on(DATAPOINT_TYPE.ID.eq(SERIES.DATAPOINT_TYPE_ID)).where(SERIES.ID.eq(dp.series)).fetchOne();
        if (r == null) {
            return Optional.empty();
        }
        Object value = switch (dp.kind) {
            case "metric" -> r.get(METRIC_DATAPOINT.VALUE);
            case "state" -> r.get(STATE_DATAPOINT.VALUE);
            default -> r.get(LOG_DATAPOINT.MESSAGE);
        };
        String owner = s == null ? "" : s.get(SERIES.OWNER);
        String key = s == null ? "" : s.get(DATAPOINT_TYPE.NAME);
        return Optional.of(node(id, "datapoint", owner + " " + key + " = " + value,
                attrs("kind", dp.kind, "series", dp.series, "ts", dp.ts, "owner", owner, "key", key, "value", value,
                        "provenance", r.get("provenance", String.class), "correlation_id", r.get("correlation_id", String.class))));
    }

    // ------------------------------------------------------------------ edges

    private record Link(String other, LineageGraph.Edge edge) {
    }

    private static final class Neighbours {
        final List<Link> links = new ArrayList<>();
        int truncated;
    }

    private Neighbours neighbours(String id) {
        Neighbours nb = new Neighbours();
        String[] p = id.split(":", 2);
        switch (p[0]) {
            case "datapoint" -> {
                Dp dp = Dp.parse(id);
                Record r = db.select().from(table(dp.kind))
                        .where(seriesField(dp.kind).eq(dp.series).and(tsField(dp.kind).eq(dp.ts))).fetchOne();
                if (r == null) {
                    break;
                }
                in(nb, "series:" + dp.series, id, "of", true);
                Integer sourceRule = r.get("source_rule_id", Integer.class);
                if (sourceRule != null) {
                    in(nb, "source_rule:" + sourceRule, id, "produced", false);
                }
                Long event = r.get("event_id", Long.class);
                if (event != null) {
                    in(nb, "event:" + event, id, "intended", false);
                }
                Long causedBy = r.get("caused_by_event_id", Long.class);
                if (causedBy != null) {
                    in(nb, "event:" + causedBy, id, "caused", false);
                }
                many(nb, db.select(EVENT.ID).from(EVENT).where(EVENT.TRIGGER_SERIES_ID.eq(dp.series).and(EVENT.TRIGGER_TS.eq(dp.ts)))
                        .orderBy(EVENT.ID).limit(FANOUT + 1).fetch(EVENT.ID), e -> new Link("event:" + e, edge(id, "event:" + e, "triggered")),
                        () -> db.fetchCount(EVENT, EVENT.TRIGGER_SERIES_ID.eq(dp.series).and(EVENT.TRIGGER_TS.eq(dp.ts))));
                for (Long a : db.select(ACTION.ID).from(ACTION).where(ACTION.CONFIRMED_SERIES_ID.eq(dp.series)
                        .and(ACTION.CONFIRMED_TS.eq(dp.ts))).fetch(ACTION.ID)) {
                    nb.links.add(new Link("action:" + a, edge(id, "action:" + a, "confirmed")));
                }
            }
            case "event" -> {
                long e = num(p[1]);
                var ev = db.selectFrom(EVENT).where(EVENT.ID.eq(e)).fetchOne();
                if (ev == null) {
                    break;
                }
                if (ev.getEventRuleId() != null) {
                    in(nb, "event_rule_version:" + ev.getEventRuleId() + ":" + ev.getEventRuleVersion(), id, "fired", false);
                }
                if (ev.getActionRuleId() != null) {
                    in(nb, "action_rule_version:" + ev.getActionRuleId() + ":" + ev.getActionRuleVersion(), id, "fired", false);
                }
                if (ev.getTriggerSeriesId() != null) {
                    kindOf(ev.getTriggerSeriesId()).ifPresent(kind ->
                            in(nb, datapointId(kind, ev.getTriggerSeriesId(), ev.getTriggerTs().toInstant()), id, "triggered", false));
                }
                if (ev.getTriggerEventId() != null) {
                    in(nb, "event:" + ev.getTriggerEventId(), id, "triggered", false);
                }
                if (ev.getCausedByEventId() != null) {
                    in(nb, "event:" + ev.getCausedByEventId(), id, "caused", false);
                }
                many(nb, db.select(EVENT.ID).from(EVENT).where(EVENT.TRIGGER_EVENT_ID.eq(e).or(EVENT.CAUSED_BY_EVENT_ID.eq(e)))
                        .orderBy(EVENT.ID).limit(FANOUT + 1).fetch(EVENT.ID), x -> new Link("event:" + x, edge(id, "event:" + x, "triggered")),
                        () -> db.fetchCount(EVENT, EVENT.TRIGGER_EVENT_ID.eq(e).or(EVENT.CAUSED_BY_EVENT_ID.eq(e))));
                for (var a : db.select(ALARM.ID, ALARM.RAISE_EVENT_ID).from(ALARM)
                        .where(ALARM.RAISE_EVENT_ID.eq(e).or(ALARM.LAST_EVENT_ID.eq(e))).fetch()) {
                    nb.links.add(new Link("alarm:" + a.value1(), edge(id, "alarm:" + a.value1(), a.value2() == e ? "raised" : "updated")));
                }
                for (Long a : db.select(ACTION.ID).from(ACTION).where(ACTION.COMMAND_EVENT_ID.eq(e)).fetch(ACTION.ID)) {
                    nb.links.add(new Link("action:" + a, edge(id, "action:" + a, "commanded")));
                }
                for (String kind : List.of("metric", "state", "log")) {
                    var t = table(kind);
                    var s = seriesField(kind);
                    var ts = tsField(kind);
                    var evf = t.field("event_id", Long.class);
                    var cbf = t.field("caused_by_event_id", Long.class);
                    many(nb, db.select(s, ts, evf).from(t).where(evf.eq(e).or(cbf.eq(e))).orderBy(ts).limit(FANOUT + 1).fetch(),
                            r -> {
                                String dpId = datapointId(kind, r.value1(), r.value2().toInstant());
                                return new Link(dpId, edge(id, dpId, r.value3() != null && r.value3() == e ? "intended" : "caused"));
                            },
                            () -> db.fetchCount(t, evf.eq(e).or(cbf.eq(e))));
                }
            }
            case "alarm" -> {
                var a = db.selectFrom(ALARM).where(ALARM.ID.eq(num(p[1]))).fetchOne();
                if (a == null) {
                    break;
                }
                in(nb, "event:" + a.getRaiseEventId(), id, "raised", false);
                if (!a.getLastEventId().equals(a.getRaiseEventId())) {
                    in(nb, "event:" + a.getLastEventId(), id, "updated", false);
                }
                in(nb, "event_rule_version:" + a.getEventRuleId() + ":" + a.getEventRuleVersion(), id, "of", true);
                many(nb, db.select(ACTION.ID).from(ACTION).where(ACTION.ALARM_ID.eq(a.getId())).orderBy(ACTION.ID.desc())
                                .limit(FANOUT + 1).fetch(ACTION.ID), x -> new Link("action:" + x, edge(id, "action:" + x, "actioned")),
                        () -> db.fetchCount(ACTION, ACTION.ALARM_ID.eq(a.getId())));
            }
            case "action" -> {
                var a = db.selectFrom(ACTION).where(ACTION.ID.eq(num(p[1]))).fetchOne();
                if (a == null) {
                    break;
                }
                in(nb, "event:" + a.getCommandEventId(), id, "commanded", false);
                if (a.getAlarmId() != null) {
                    in(nb, "alarm:" + a.getAlarmId(), id, "actioned", false);
                }
                if (a.getActionRuleId() != null) {
                    in(nb, "action_rule_version:" + a.getActionRuleId() + ":" + a.getActionRuleVersion(), id, "fired", false);
                }
                if (a.getConfirmedSeriesId() != null) {
                    kindOf(a.getConfirmedSeriesId()).ifPresent(kind ->
                            in(nb, datapointId(kind, a.getConfirmedSeriesId(), a.getConfirmedTs().toInstant()), id, "confirmed", false));
                }
            }
            case "event_rule_version" -> {
                String[] k = p[1].split(":");
                long rule = num(k[0]);
                int v = (int) num(k[1]);
                var where = EVENT.EVENT_RULE_ID.eq(rule).and(EVENT.EVENT_RULE_VERSION.eq(v));
                many(nb, db.select(EVENT.ID).from(EVENT).where(where).orderBy(EVENT.ID.desc()).limit(FANOUT + 1).fetch(EVENT.ID),
                        x -> new Link("event:" + x, edge(id, "event:" + x, "fired")), () -> db.fetchCount(EVENT, where));
            }
            case "action_rule_version" -> {
                String[] k = p[1].split(":");
                var where = EVENT.ACTION_RULE_ID.eq(num(k[0])).and(EVENT.ACTION_RULE_VERSION.eq((int) num(k[1])));
                many(nb, db.select(EVENT.ID).from(EVENT).where(where).orderBy(EVENT.ID.desc()).limit(FANOUT + 1).fetch(EVENT.ID),
                        x -> new Link("event:" + x, edge(id, "event:" + x, "fired")), () -> db.fetchCount(EVENT, where));
            }
            case "source_rule" -> {
                var s = db.selectFrom(SOURCE_RULE).where(SOURCE_RULE.ID.eq((int) num(p[1]))).fetchOne();
                if (s != null && s.getCalcRuleId() != null) {
                    in(nb, "calc_rule_version:" + s.getCalcRuleId() + ":" + s.getCalcRuleVersion(), id, "defines", false);
                }
            }
            default -> {
                // series and calc rule versions are leaves here: their datapoints are the history, not the lineage
            }
        }
        return nb;
    }

    /** The kind of a series, if the caller may see it. */
    private Optional<String> kindOf(long series) {
        return db.select(SERIES.KIND).from(SERIES).where(SERIES.ID.eq(series)).fetchOptional(SERIES.KIND).map(k -> k.getLiteral());
    }

    /** An edge between {@code id} and {@code other}: other -> id, or id -> other when {@code outward}. */
    private static void in(Neighbours nb, String other, String id, String label, boolean outward) {
        nb.links.add(new Link(other, outward ? edge(id, other, label) : edge(other, id, label)));
    }

    private interface Counter {
        int count();
    }

    private static <T> void many(Neighbours nb, List<T> rows, java.util.function.Function<T, Link> link, Counter count) {
        for (int i = 0; i < Math.min(rows.size(), FANOUT); i++) {
            nb.links.add(link.apply(rows.get(i)));
        }
        if (rows.size() > FANOUT) {
            nb.truncated += count.count() - FANOUT;
        }
    }

    private static LineageGraph.Edge edge(String from, String to, String label) {
        return new LineageGraph.Edge(from, to, label);
    }

    private static LineageGraph.Node node(String id, String type, String label, Map<String, Object> attrs) {
        return new LineageGraph.Node(id, type, label, attrs, 0);
    }

    private static Map<String, Object> attrs(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            m.put((String) kv[i], v instanceof OffsetDateTime o ? o.toInstant().toString() : v);
        }
        return m;
    }

    private static long num(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad node id part '" + s + "'");
        }
    }

    private static Table<?> table(String kind) {
        return switch (kind) {
            case "metric" -> METRIC_DATAPOINT;
            case "state" -> STATE_DATAPOINT;
            case "log" -> LOG_DATAPOINT;
            default -> throw new IllegalArgumentException("kind must be metric, state or log");
        };
    }

    private static TableField<?, Long> seriesField(String kind) {
        return switch (kind) {
            case "metric" -> METRIC_DATAPOINT.SERIES_ID;
            case "state" -> STATE_DATAPOINT.SERIES_ID;
            default -> LOG_DATAPOINT.SERIES_ID;
        };
    }

    private static TableField<?, OffsetDateTime> tsField(String kind) {
        return switch (kind) {
            case "metric" -> METRIC_DATAPOINT.TS;
            case "state" -> STATE_DATAPOINT.TS;
            default -> LOG_DATAPOINT.TS;
        };
    }

    /** A datapoint node id: datapoint:KIND:SERIES:TS. */
    private record Dp(String kind, long series, OffsetDateTime ts) {
        static Dp parse(String id) {
            String[] p = id.split(":", 4);
            if (p.length != 4) {
                throw new IllegalArgumentException("bad datapoint id " + id);
            }
            table(p[1]);
            return new Dp(p[1], num(p[2]), Instant.parse(p[3]).atOffset(ZoneOffset.UTC));
        }
    }

    static { // keep DSL referenced for readers grepping where lineage SQL lives
        DSL.noCondition();
    }
}
