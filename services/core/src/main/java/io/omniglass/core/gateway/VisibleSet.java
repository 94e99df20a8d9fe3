package io.omniglass.core.gateway;

import io.omniglass.core.access.Principal;
import io.omniglass.schema.tenant.Tables;
import org.jooq.CommonTableExpression;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.Record1;
import org.jooq.Select;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import static io.omniglass.schema.tenant.Tables.COMPONENT;
import static io.omniglass.schema.tenant.Tables.LOCATION;
import static io.omniglass.schema.tenant.Tables.NODE;
import static io.omniglass.schema.tenant.Tables.SYSTEM_MEMBER;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.select;

/**
 * {@code visible_set(P)}: the entities a principal's scope covers, as jOOQ sub-selects over the
 * structure tables (so the planner turns them into hashed semi-joins, evaluated once per statement).
 * <ul>
 *   <li>tenant scope: everything, including global-owned rows;</li>
 *   <li>location scope: the location and its descendants (location.parent), the systems located
 *       there, components located there or belonging to those systems (system or system_member),
 *       nodes located there;</li>
 *   <li>system scope: the system and its descendants (system.parent) and their components.</li>
 * </ul>
 * Global-owned rows are visible to tenant-wide principals only. The same rules are written in SQL
 * in the row-level security policies (tenant migration V30), which back this up.
 */
public final class VisibleSet {

    private final Principal.ScopeKind kind;
    private final String root;

    private VisibleSet(Principal.ScopeKind kind, String root) {
        this.kind = kind;
        this.root = root;
    }

    public static VisibleSet of(Principal p) {
        return new VisibleSet(p.scopeKind(), p.scopeName().orElse(null));
    }

    public static VisibleSet everything() {
        return new VisibleSet(Principal.ScopeKind.tenant, null);
    }

    public boolean unrestricted() {
        return kind == Principal.ScopeKind.tenant;
    }

    /** Rows of an owner-bearing table (series, alarm, event, action ...) whose owner is in scope. */
    public Condition owner(OwnerColumns o) {
        if (unrestricted()) {
            return DSL.trueCondition();
        }
        return DSL.or(
                o.locationId().in(locations()),
                o.systemId().in(systems()),
                o.componentId().in(components()),
                o.nodeId().in(nodes()));
    }

    /** The same predicate over an owner text column ({@code component:pump-7}, {@code global}). */
    public Condition ownerText(Field<String> owner) {
        if (unrestricted()) {
            return DSL.trueCondition();
        }
        // The four sets as one array, computed once (an InitPlan) and probed as "owner = ANY": under
        // row-level security that is an index condition (a parameter and a leakproof operator), so
        // a scoped read visits only its owners' entries. An OR of four IN sub-selects was a filter
        // on every row of the tenant (a system-scoped read at a million series walked them all:
        // 4.7 s for 10,000 rows; docs/gateway.md), and one IN a semi-join the planner still drove
        // from the whole index.
        Field<String> o = DSL.field(DSL.name("og_vs_o", "owner"), String.class);
        Select<Record1<String>> owners = prefixed("location:", locations())
                .unionAll(prefixed("system:", systems()))
                .unionAll(prefixed("component:", components()))
                .unionAll(prefixed("node:", nodes()));
        Field<String[]> set = DSL.field(select(DSL.arrayAgg(o)).from(owners.asTable("og_vs_o", "owner")))
                .cast(SQLDataType.CLOB.array());
        return owner.eq(DSL.any(set));
    }

    /** Whether an entity of this kind and name is in scope (for entity listings and writes). */
    public Condition entity(String entityKind, Field<String> name) {
        if (unrestricted()) {
            return DSL.trueCondition();
        }
        return switch (entityKind) {
            case "location" -> name.in(locations());
            case "system" -> name.in(systems());
            case "component" -> name.in(components());
            case "node" -> name.in(nodes());
            default -> DSL.falseCondition();
        };
    }

    // ---------------------------------------------------------------- the sets

    public Select<Record1<String>> locations() {
        if (kind != Principal.ScopeKind.location) {
            return empty();
        }
        var loc = LOCATION.as("og_vs_l");
        CommonTableExpression<Record1<String>> sub = DSL.name("og_vs_loc").fields("name").as(
                select(LOCATION.NAME).from(LOCATION).where(LOCATION.NAME.eq(root))
                        .union(select(loc.NAME).from(loc)
                                .join(DSL.table(DSL.name("og_vs_loc")))
                                .on(loc.PARENT.eq(DSL.field(DSL.name("og_vs_loc", "name"), String.class)))));
        return DSL.withRecursive(sub).select(sub.field("name", String.class)).from(sub);
    }

    public Select<Record1<String>> systems() {
        var sys = Tables.SYSTEM.as("og_vs_s");
        if (kind == Principal.ScopeKind.location) {
            return select(sys.NAME).from(sys).where(sys.LOCATION.in(locations()));
        }
        if (kind != Principal.ScopeKind.system) {
            return empty();
        }
        var child = Tables.SYSTEM.as("og_vs_sc");
        CommonTableExpression<Record1<String>> sub = DSL.name("og_vs_sys").fields("name").as(
                select(sys.NAME).from(sys).where(sys.NAME.eq(root))
                        .union(select(child.NAME).from(child)
                                .join(DSL.table(DSL.name("og_vs_sys")))
                                .on(child.PARENT.eq(DSL.field(DSL.name("og_vs_sys", "name"), String.class)))));
        return DSL.withRecursive(sub).select(sub.field("name", String.class)).from(sub);
    }

    public Select<Record1<String>> components() {
        var c = COMPONENT.as("og_vs_c");
        var cl = COMPONENT.as("og_vs_cl");
        var m = SYSTEM_MEMBER.as("og_vs_m");
        // one arm per column, not an OR across two: each arm is an index probe (component_system,
        // component_location), the OR a scan of every component (63 ms at 100,000, per statement)
        return select(c.NAME).from(c).where(c.SYSTEM.in(systems()))
                .union(select(cl.NAME).from(cl).where(cl.LOCATION.in(locations())))
                .union(select(m.COMPONENT).from(m).where(m.SYSTEM.in(systems())));
    }

    public Select<Record1<String>> nodes() {
        var n = NODE.as("og_vs_n");
        if (kind != Principal.ScopeKind.location) {
            return empty();
        }
        return select(n.NAME).from(n).where(n.LOCATION.in(locations()));
    }

    private static Select<Record1<String>> prefixed(String prefix, Select<Record1<String>> names) {
        Field<String> name = DSL.field(DSL.name("og_vs_p", "name"), String.class);
        return select(inline(prefix).concat(name)).from(names.asTable("og_vs_p", "name"));
    }

    private static Select<Record1<String>> empty() {
        return select(DSL.cast(DSL.inline((String) null), String.class)).where(DSL.falseCondition());
    }
}
