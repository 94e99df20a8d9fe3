package io.omniglass.core.rules;

import io.omniglass.core.gateway.HotSql;
import io.omniglass.schema.tenant.enums.OwnerKind;
import org.jooq.Field;
import org.jooq.Table;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An owner as the wire and the API name it ({@code component:pump-7}, {@code global}), and the
 * exclusive-arc columns that name it in a row.
 */
public record Owner(OwnerKind kind, String name) {

    public static Owner parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("owner is required");
        }
        if (text.equals("global")) {
            return new Owner(OwnerKind.global, null);
        }
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("owner '" + text + "' must be component:NAME, system:NAME, location:NAME, node:NAME or global");
        }
        OwnerKind kind;
        try {
            kind = OwnerKind.valueOf(text.substring(0, colon));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("owner '" + text + "' has an unknown kind");
        }
        if (kind == OwnerKind.global) {
            throw new IllegalArgumentException("owner 'global' takes no name");
        }
        return new Owner(kind, text.substring(colon + 1));
    }

    /** The owner_kind column and the one typed FK column of the arc, for an insert into {@code table}. */
    public Map<Field<?>, Object> columns(Table<?> table) {
        Map<Field<?>, Object> m = new LinkedHashMap<>();
        m.put(table.field("owner_kind"), kind);
        if (kind != OwnerKind.global) {
            m.put(table.field(kind.getLiteral() + "_id"), name);
        }
        return m;
    }

    /** The arc's five columns of {@code table} for a statement written once, in the order {@link #bind} sets them. */
    public static String arcColumns(Table<?> table) {
        return HotSql.q(table.field("owner_kind")) + ", " + HotSql.q(table.field("component_id")) + ", "
                + HotSql.q(table.field("system_id")) + ", " + HotSql.q(table.field("location_id")) + ", "
                + HotSql.q(table.field("node_id"));
    }

    /** Binds the arc's five columns ({@link #arcColumns}) from parameter {@code i} on; returns the next parameter. */
    public int bind(PreparedStatement ps, int i) throws SQLException {
        HotSql.setUntyped(ps, i++, kind.getLiteral());
        ps.setString(i++, kind == OwnerKind.component ? name : null);
        ps.setString(i++, kind == OwnerKind.system ? name : null);
        ps.setString(i++, kind == OwnerKind.location ? name : null);
        ps.setString(i++, kind == OwnerKind.node ? name : null);
        return i;
    }

    @Override
    public String toString() {
        return kind == OwnerKind.global ? "global" : kind.getLiteral() + ":" + name;
    }
}
