package io.omniglass.core.rules;

import io.omniglass.core.gateway.HotSql;
import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.OwnerKind;
import io.omniglass.schema.tenant.enums.Provenance;
import org.jooq.Condition;
import org.jooq.DSLContext;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

import static io.omniglass.schema.tenant.Tables.DATAPOINT_TYPE;
import static io.omniglass.schema.tenant.Tables.SERIES;

/**
 * The series row of (owner, key, instance, provenance, source), created the way the sink creates
 * it when the rules get there first (an event's trigger pointer needs it to exist).
 */
public final class SeriesIds {

    private SeriesIds() {
    }

    public static Optional<Long> resolve(DSLContext tx, String ownerText, String key, String instance,
                                         String provenance, String source) {
        Owner owner = Owner.parse(ownerText);
        Provenance prov = Provenance.lookupLiteral(provenance);
        // the type and the series in one round trip, the series (LEFT JOIN) null when it does not exist yet
        Object[] found = HotSql.query(tx, LOOKUP.get(owner.kind()), ps -> {
            int i = 1;
            if (owner.kind() != OwnerKind.global) {
                ps.setString(i++, owner.name());
            }
            ps.setString(i++, instance);
            HotSql.setUntyped(ps, i++, prov == null ? null : prov.getLiteral());
            ps.setString(i++, source);
            ps.setString(i, key);
        }, rs -> rs.next() ? new Object[] {rs.getInt(1), rs.getString(2), rs.getObject(3)} : null);
        if (found == null || prov == null) {
            return Optional.empty();
        }
        if (found[2] != null) {
            return Optional.of(((Number) found[2]).longValue());
        }
        int typeId = (Integer) found[0];
        DatapointKind kind = DatapointKind.lookupLiteral((String) found[1]);
        Condition match = SERIES.OWNER_KIND.eq(owner.kind())
                .and(arc(owner, OwnerKind.component, SERIES.COMPONENT_ID))
                .and(arc(owner, OwnerKind.system, SERIES.SYSTEM_ID))
                .and(arc(owner, OwnerKind.location, SERIES.LOCATION_ID))
                .and(arc(owner, OwnerKind.node, SERIES.NODE_ID))
                .and(SERIES.DATAPOINT_TYPE_ID.eq(typeId))
                .and(SERIES.INSTANCE.eq(instance))
                .and(SERIES.PROVENANCE.eq(prov))
                .and(SERIES.SOURCE.eq(source));
        tx.insertInto(SERIES)
                .set(owner.columns(SERIES))
                .set(SERIES.DATAPOINT_TYPE_ID, typeId)
                .set(SERIES.KIND, kind)
                .set(SERIES.INSTANCE, instance)
                .set(SERIES.PROVENANCE, prov)
                .set(SERIES.SOURCE, source)
                .onConflictDoNothing()
                .execute();
        return Optional.ofNullable(tx.select(SERIES.ID).from(SERIES).where(match).fetchOne(SERIES.ID));
    }

    /** Per owner kind (the arc column it names, the others null): type name, [owner name,] instance, provenance, source. */
    private static final Map<OwnerKind, String> LOOKUP = new EnumMap<>(OwnerKind.class);

    static {
        for (OwnerKind kind : OwnerKind.values()) {
            StringBuilder on = new StringBuilder();
            on.append("s.").append(HotSql.q(SERIES.DATAPOINT_TYPE_ID)).append(" = t.").append(HotSql.q(DATAPOINT_TYPE.ID))
                    .append(" AND s.").append(HotSql.q(SERIES.OWNER_KIND)).append(" = '").append(kind.getLiteral()).append("'");
            for (OwnerKind k : new OwnerKind[] {OwnerKind.component, OwnerKind.system, OwnerKind.location, OwnerKind.node}) {
                org.jooq.Field<String> column = switch (k) {
                    case component -> SERIES.COMPONENT_ID;
                    case system -> SERIES.SYSTEM_ID;
                    case location -> SERIES.LOCATION_ID;
                    default -> SERIES.NODE_ID;
                };
                on.append(" AND s.").append(HotSql.q(column)).append(k == kind ? " = ?" : " IS NULL");
            }
            on.append(" AND s.").append(HotSql.q(SERIES.INSTANCE)).append(" = ?")
                    .append(" AND s.").append(HotSql.q(SERIES.PROVENANCE)).append(" = ?")
                    .append(" AND s.").append(HotSql.q(SERIES.SOURCE)).append(" = ?");
            LOOKUP.put(kind, "SELECT t." + HotSql.q(DATAPOINT_TYPE.ID) + ", t." + HotSql.q(DATAPOINT_TYPE.KIND) + ", s." + HotSql.q(SERIES.ID)
                    + " FROM " + HotSql.q(DATAPOINT_TYPE) + " t LEFT JOIN " + HotSql.q(SERIES) + " s ON " + on
                    + " WHERE t." + HotSql.q(DATAPOINT_TYPE.NAME) + " = ? AND t." + HotSql.q(DATAPOINT_TYPE.SCOPE) + " <> 'template'");
        }
    }

    private static Condition arc(Owner owner, OwnerKind kind, org.jooq.Field<String> column) {
        return owner.kind() == kind ? column.eq(owner.name()) : column.isNull();
    }
}
