package io.omniglass.core.gateway;

import org.jooq.Field;
import org.jooq.Table;

import static io.omniglass.schema.tenant.Tables.ACTION;
import static io.omniglass.schema.tenant.Tables.ALARM;
import static io.omniglass.schema.tenant.Tables.EVENT;
import static io.omniglass.schema.tenant.Tables.SERIES;

/**
 * The exclusive-arc owner columns of an owner-bearing table (ARCHITECTURE.md "ownership is an
 * exclusive arc"): the scope predicate is written against these. Use {@link #of(Table)} for an
 * aliased table.
 */
public record OwnerColumns(Field<String> componentId, Field<String> systemId,
                           Field<String> locationId, Field<String> nodeId) {

    public static final OwnerColumns SERIES_OWNER = of(SERIES);
    public static final OwnerColumns ALARM_OWNER = of(ALARM);
    public static final OwnerColumns EVENT_OWNER = of(EVENT);
    public static final OwnerColumns ACTION_OWNER = of(ACTION);

    /** The owner columns of any table that follows the arc convention (component_id, system_id, location_id, node_id). */
    public static OwnerColumns of(Table<?> t) {
        return new OwnerColumns(field(t, "component_id"), field(t, "system_id"),
                field(t, "location_id"), field(t, "node_id"));
    }

    @SuppressWarnings("unchecked")
    private static Field<String> field(Table<?> t, String name) {
        Field<?> f = t.field(name);
        if (f == null || f.getType() != String.class) {
            throw new IllegalArgumentException(t.getName() + " has no owner column " + name);
        }
        return (Field<String>) f;
    }
}
