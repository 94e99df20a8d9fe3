package io.omniglass.core.plant;

import io.omniglass.api.PlantTreeNode;
import io.omniglass.api.PlantTreeRef;
import io.omniglass.api.PlantTreeSignal;
import io.omniglass.core.gateway.OwnerColumns;
import io.omniglass.core.gateway.VisibleSet;
import io.omniglass.schema.tenant.enums.AlarmState;
import io.omniglass.schema.tenant.enums.OwnerKind;
import io.omniglass.schema.tenant.tables.PlantTree;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Record4;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.COMPONENT;
import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.EVENT_RULE_VERSION;
import static io.omniglass.schema.tenant.Tables.LOCATION;
import static io.omniglass.schema.tenant.Tables.NODE;
import static io.omniglass.schema.tenant.Tables.PLANT_TREE;
import static io.omniglass.schema.tenant.Tables.SERIES;
import static io.omniglass.schema.tenant.Tables.SYSTEM;
import static org.jooq.impl.DSL.coalesce;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.select;
import static org.jooq.impl.DSL.selectCount;

/**
 * The plant tree's reads, over the {@code plant_tree} view (tenant V130: every entity with its
 * one tree parent) and the series, narrowed to a {@link VisibleSet}: a scoped token's roots are
 * the visible entities whose tree parent it cannot see, and nothing outside its scope is named,
 * counted or put on a path.
 */
final class PlantTreeStore {

    /** Upward walks stop here, whatever the data (a cycle of parents is not refused by the schema). */
    private static final int MAX_DEPTH = 64;
    private static final List<String> KIND_ORDER = List.of("location", "system", "component", "node");

    private final DSLContext tx;
    private final VisibleSet visible;

    PlantTreeStore(DSLContext tx, VisibleSet visible) {
        this.tx = tx;
        this.visible = visible;
    }

    /** An entity of the tree: {@code kind} location, system, component or node. */
    record EntityId(String kind, String name) {
        String id() {
            return kind + ":" + name;
        }
    }

    /** Whether the entity exists and the scope covers it. */
    boolean visibleEntity(EntityId e) {
        PlantTree t = PLANT_TREE.as("t");
        return tx.fetchExists(DSL.selectOne().from(t)
                .where(t.KIND.eq(e.kind())).and(t.NAME.eq(e.name())).and(visible(t.KIND, t.NAME)));
    }

    /**
     * The entities directly under {@code parent} (null: the roots), in kind order then by name, after the
     * entity {@code after} (null: from the first); at most {@code limit}.
     */
    List<PlantTreeNode> entityChildren(EntityId parent, EntityId after, int limit, List<PlantTreeRef> path) {
        PlantTree t = PLANT_TREE.as("t");
        Condition where = visible(t.KIND, t.NAME);
        if (parent == null) {
            where = where.and(visible.unrestricted()
                    ? t.PARENT_NAME.isNull()
                    : t.PARENT_NAME.isNull().or(DSL.not(visible(t.PARENT_KIND, t.PARENT_NAME))));
        } else {
            where = where.and(t.PARENT_KIND.eq(parent.kind())).and(t.PARENT_NAME.eq(parent.name()));
        }
        Field<Integer> rank = rank(t.KIND);
        if (after != null) {
            where = where.and(DSL.row(rank, t.NAME).gt(DSL.row(inline(KIND_ORDER.indexOf(after.kind())), DSL.val(after.name()))));
        }
        List<? extends Record> rows = tx.select(t.KIND, t.NAME, t.DISPLAY_NAME, childCount(t).as("child_count"))
                .from(t).where(where)
                .orderBy(rank, t.NAME)
                .limit(limit)
                .fetch();
        List<EntityId> ids = rows.stream().map(r -> new EntityId(r.get(t.KIND), r.get(t.NAME))).toList();
        Map<String, Long> alarms = activeAlarmsUnder(ids);
        List<PlantTreeNode> out = new ArrayList<>(rows.size());
        for (Record r : rows) {
            String id = r.get(t.KIND) + ":" + r.get(t.NAME);
            out.add(new PlantTreeNode(r.get(t.KIND), id, r.get(t.NAME), r.get(t.DISPLAY_NAME),
                    r.get("child_count", Long.class), alarms.getOrDefault(id, 0L), null, path));
        }
        return out;
    }

    /**
     * The signals (series) of {@code owner} ({@code component:pump-7}; {@code global} at the roots), by key
     * then series id, after series {@code afterSeries} (null: from the first); at most {@code limit}.
     */
    List<PlantTreeNode> signals(String owner, Long afterSeries, int limit, List<PlantTreeRef> path) {
        var s = SERIES.as("s");
        var d = DATAPOINT_TYPE.as("d");
        Condition where = s.OWNER.eq(owner).and(visible.owner(OwnerColumns.of(s)));
        if (afterSeries != null) {
            var s2 = SERIES.as("s2");
            var d2 = DATAPOINT_TYPE.as("d2");
            where = where.and(DSL.row(d.NAME, s.ID).gt(
                    select(d2.NAME, s2.ID).from(s2).join(d2).on(d2.ID.eq(s2.DATAPOINT_TYPE_ID)).where(s2.ID.eq(afterSeries))));
        }
        var a = ALARM.as("a");
        var v = EVENT_RULE_VERSION.as("v");
        Field<Integer> alarms = selectCount().from(a)
                .join(v).on(v.EVENT_RULE_ID.eq(a.EVENT_RULE_ID)).and(v.VERSION.eq(a.EVENT_RULE_VERSION))
                .where(a.OWNER.eq(s.OWNER)).and(a.STATE.eq(AlarmState.active)).and(v.KEY.eq(d.NAME))
                .and(visible.owner(OwnerColumns.of(a)))
                .asField("active_alarms");
        return tx.select(s.ID, s.OWNER, d.NAME, d.KIND, d.UNIT, d.DESCRIPTION, s.INSTANCE, s.PROVENANCE, s.SOURCE, alarms)
                .from(s).join(d).on(d.ID.eq(s.DATAPOINT_TYPE_ID))
                .where(where)
                .orderBy(d.NAME, s.ID)
                .limit(limit)
                .fetch(r -> {
                    String key = r.get(d.NAME);
                    String instance = r.get(s.INSTANCE);
                    PlantTreeSignal signal = new PlantTreeSignal(r.get(s.ID), r.get(s.OWNER), key, r.get(d.KIND).getLiteral(),
                            r.get(d.UNIT), instance, r.get(s.PROVENANCE).getLiteral(), r.get(s.SOURCE));
                    String name = instance.isEmpty() ? key : key + "[" + instance + "]";
                    return new PlantTreeNode("signal", "series:" + r.get(s.ID), name, r.get(d.DESCRIPTION), 0,
                            r.get(alarms).longValue(), signal, path);
                });
    }

    /**
     * Entities whose name or display name contains {@code text}, any case (the trigram indexes of V130):
     * those starting with it first, then shorter names; at most {@code limit}, each with its path.
     */
    List<PlantTreeNode> search(String text, int limit) {
        String contains = "%" + likeEscaped(text) + "%";
        String starts = likeEscaped(text) + "%";
        // each table on its own, its predicate the very expression of its trigram index (V130)
        Table<Record4<String, String, String, Integer>> matches = matching(contains, starts, "location", LOCATION.NAME, LOCATION.DISPLAY_NAME)
                .unionAll(matching(contains, starts, "system", SYSTEM.NAME, SYSTEM.DISPLAY_NAME))
                .unionAll(matching(contains, starts, "component", COMPONENT.NAME, COMPONENT.DISPLAY_NAME))
                .unionAll(matching(contains, starts, "node", NODE.NAME, NODE.DISPLAY_NAME))
                .asTable("m", "kind", "name", "display_name", "prefix");
        Field<String> kind = matches.field("kind", String.class);
        Field<String> nm = matches.field("name", String.class);
        List<EntityId> ids = tx.select(kind, nm).from(matches)
                .orderBy(matches.field("prefix", Integer.class), DSL.length(nm), nm, rank(kind))
                .limit(limit)
                .fetch(r -> new EntityId(r.value1(), r.value2()));
        if (ids.isEmpty()) {
            return List.of();
        }
        PlantTree t = PLANT_TREE.as("t");
        Map<String, Record> rows = new HashMap<>();
        tx.select(t.KIND, t.NAME, t.DISPLAY_NAME, childCount(t).as("child_count")).from(t)
                .where(DSL.row(t.KIND, t.NAME).in(ids.stream().map(e -> DSL.row(e.kind(), e.name())).toList()))
                .forEach(r -> rows.put(r.get(t.KIND) + ":" + r.get(t.NAME), r));
        Map<String, List<PlantTreeRef>> paths = paths(ids);
        Map<String, Long> alarms = activeAlarmsUnder(ids);
        List<PlantTreeNode> out = new ArrayList<>(ids.size());
        for (EntityId e : ids) {
            Record r = rows.get(e.id());
            out.add(new PlantTreeNode(e.kind(), e.id(), e.name(), r.get(t.DISPLAY_NAME),
                    r.get("child_count", Long.class), alarms.getOrDefault(e.id(), 0L), null, paths.getOrDefault(e.id(), List.of())));
        }
        return out;
    }

    private org.jooq.SelectConditionStep<Record4<String, String, String, Integer>> matching(
            String contains, String starts, String kind, org.jooq.TableField<?, String> name, Field<String> displayName) {
        return select(inline(kind).as("kind"), name.as("name"), displayName.as("display_name"),
                DSL.when(name.likeIgnoreCase(starts), inline(0)).otherwise(inline(1)).as("prefix"))
                .from(name.getTable())
                .where(name.concat(inline(" ")).concat(displayName).likeIgnoreCase(contains))
                .and(visible.entity(kind, name));
    }

    /**
     * The visible ancestors of each entity, root first, ending at its parent: the walk up stops at the
     * first ancestor outside the scope (that is where a scoped token's tree begins).
     */
    Map<String, List<PlantTreeRef>> paths(Collection<EntityId> of) {
        Map<String, List<PlantTreeRef>> out = new HashMap<>();
        if (of.isEmpty()) {
            return out;
        }
        PlantTree t = PLANT_TREE.as("t");
        Field<String> originKind = field(name("up", "origin_kind"), String.class);
        Field<String> originName = field(name("up", "origin_name"), String.class);
        Field<String> kind = field(name("up", "kind"), String.class);
        Field<String> nm = field(name("up", "name"), String.class);
        Field<Integer> depth = field(name("up", "depth"), Integer.class);
        Condition start = DSL.or(of.stream().map(e -> t.KIND.eq(e.kind()).and(t.NAME.eq(e.name()))).toList());
        var up = name("up").fields("origin_kind", "origin_name", "kind", "name", "depth").as(
                select(t.KIND, t.NAME, t.PARENT_KIND, t.PARENT_NAME, inline(1))
                        .from(t).where(start).and(t.PARENT_NAME.isNotNull())
                        .unionAll(select(originKind, originName, t.PARENT_KIND, t.PARENT_NAME, depth.plus(inline(1)))
                                .from(DSL.table(name("up"))).join(t).on(t.KIND.eq(kind)).and(t.NAME.eq(nm))
                                .where(t.PARENT_NAME.isNotNull()).and(depth.lt(inline(MAX_DEPTH)))));
        Field<Boolean> inScope = DSL.field(visible(kind, nm)).as("in_scope");
        Map<String, List<Record>> chains = new LinkedHashMap<>();
        tx.withRecursive(up).select(originKind, originName, kind, nm, depth, inScope).from(up)
                .orderBy(originKind, originName, depth)
                .forEach(r -> chains.computeIfAbsent(r.get(originKind) + ":" + r.get(originName), k -> new ArrayList<>()).add(r));
        chains.forEach((id, chain) -> {
            List<PlantTreeRef> path = new ArrayList<>();
            for (Record r : chain) { // parent first, then up
                if (!Boolean.TRUE.equals(r.get(inScope))) {
                    break;
                }
                path.add(0, new PlantTreeRef(r.get(kind), r.get(kind) + ":" + r.get(nm), r.get(nm)));
            }
            out.put(id, List.copyOf(path));
        });
        return out;
    }

    // ---------------------------------------------------------------- helpers

    /** Children of an entity row: the visible tree children plus the visible series it owns. */
    private Field<Long> childCount(PlantTree p) {
        PlantTree c = PLANT_TREE.as("c");
        var s = SERIES.as("cs");
        Field<Integer> entities = selectCount().from(c)
                .where(c.PARENT_KIND.eq(p.KIND)).and(c.PARENT_NAME.eq(p.NAME)).and(visible(c.KIND, c.NAME))
                .asField();
        Field<Integer> series = selectCount().from(s)
                .where(s.OWNER.eq(p.KIND.concat(inline(":")).concat(p.NAME))).and(visible.owner(OwnerColumns.of(s)))
                .asField();
        return entities.plus(series).cast(Long.class);
    }

    /**
     * Active alarms (visible to the scope) on each of {@code ids} or anything under it: each visible
     * active alarm is walked up the tree once and counted on every ancestor it passes.
     */
    private Map<String, Long> activeAlarmsUnder(List<EntityId> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        var a = ALARM.as("a");
        PlantTree t = PLANT_TREE.as("t");
        Field<Long> alarmId = field(name("al", "alarm_id"), Long.class);
        Field<String> kind = field(name("al", "kind"), String.class);
        Field<String> nm = field(name("al", "name"), String.class);
        // UNION, not UNION ALL: a (cycle-forming) parent seen twice by the same alarm ends its walk
        var al = name("al").fields("alarm_id", "kind", "name").as(
                select(a.ID, a.OWNER_KIND.cast(SQLDataType.CLOB), coalesce(a.COMPONENT_ID, a.SYSTEM_ID, a.LOCATION_ID, a.NODE_ID))
                        .from(a)
                        .where(a.STATE.eq(AlarmState.active)).and(a.OWNER_KIND.ne(OwnerKind.global))
                        .and(visible.owner(OwnerColumns.of(a)))
                        .union(select(alarmId, t.PARENT_KIND, t.PARENT_NAME)
                                .from(DSL.table(name("al"))).join(t).on(t.KIND.eq(kind)).and(t.NAME.eq(nm))
                                .where(t.PARENT_NAME.isNotNull())));
        Map<String, Long> out = new HashMap<>();
        tx.withRecursive(al).select(kind, nm, DSL.countDistinct(alarmId)).from(al)
                .where(DSL.row(kind, nm).in(ids.stream().map(e -> DSL.row(e.kind(), e.name())).toList()))
                .groupBy(kind, nm)
                .forEach(r -> out.put(r.value1() + ":" + r.value2(), r.value3().longValue()));
        return out;
    }

    private Condition visible(Field<String> kind, Field<String> name) {
        if (visible.unrestricted()) {
            return DSL.trueCondition();
        }
        return DSL.or(KIND_ORDER.stream().map(k -> kind.eq(inline(k)).and(visible.entity(k, name))).toList());
    }

    private static Field<Integer> rank(Field<String> kind) {
        return DSL.when(kind.eq(inline("location")), inline(0))
                .when(kind.eq(inline("system")), inline(1))
                .when(kind.eq(inline("component")), inline(2))
                .otherwise(inline(3));
    }

    /** The text as a LIKE pattern matching itself (backslash is Postgres's default escape). */
    static String likeEscaped(String s) {
        return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }
}
