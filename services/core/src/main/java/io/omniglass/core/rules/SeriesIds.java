package io.omniglass.core.rules;

import io.omniglass.schema.tenant.enums.DatapointKind;
import io.omniglass.schema.tenant.enums.OwnerKind;
import io.omniglass.schema.tenant.enums.Provenance;
import io.omniglass.schema.tenant.enums.RegistryScope;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.Record2;

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
        Record2<Integer, DatapointKind> type = tx.select(DATAPOINT_TYPE.ID, DATAPOINT_TYPE.KIND).from(DATAPOINT_TYPE)
                .where(DATAPOINT_TYPE.NAME.eq(key).and(DATAPOINT_TYPE.SCOPE.ne(RegistryScope.template)))
                .fetchOne();
        if (type == null) {
            return Optional.empty();
        }
        Provenance prov = Provenance.lookupLiteral(provenance);
        if (prov == null) {
            return Optional.empty();
        }
        Condition match = SERIES.OWNER_KIND.eq(owner.kind())
                .and(arc(owner, OwnerKind.component, SERIES.COMPONENT_ID))
                .and(arc(owner, OwnerKind.system, SERIES.SYSTEM_ID))
                .and(arc(owner, OwnerKind.location, SERIES.LOCATION_ID))
                .and(arc(owner, OwnerKind.node, SERIES.NODE_ID))
                .and(SERIES.DATAPOINT_TYPE_ID.eq(type.value1()))
                .and(SERIES.INSTANCE.eq(instance))
                .and(SERIES.PROVENANCE.eq(prov))
                .and(SERIES.SOURCE.eq(source));
        Long id = tx.select(SERIES.ID).from(SERIES).where(match).fetchOne(SERIES.ID);
        if (id != null) {
            return Optional.of(id);
        }
        tx.insertInto(SERIES)
                .set(owner.columns(SERIES))
                .set(SERIES.DATAPOINT_TYPE_ID, type.value1())
                .set(SERIES.KIND, type.value2())
                .set(SERIES.INSTANCE, instance)
                .set(SERIES.PROVENANCE, prov)
                .set(SERIES.SOURCE, source)
                .onConflictDoNothing()
                .execute();
        return Optional.ofNullable(tx.select(SERIES.ID).from(SERIES).where(match).fetchOne(SERIES.ID));
    }

    private static Condition arc(Owner owner, OwnerKind kind, org.jooq.Field<String> column) {
        return owner.kind() == kind ? column.eq(owner.name()) : column.isNull();
    }
}
