package io.omniglass.core.tenancy;

import io.omniglass.schema.control.enums.TenantStatus;
import io.omniglass.schema.control.tables.records.TenantRecord;
import org.jooq.DSLContext;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;

import static io.omniglass.schema.control.Tables.TENANT;

/** The tenant rows of the control database. */
public final class TenantRegistry {

    private final DSLContext control;

    public TenantRegistry(DSLContext control) {
        this.control = control;
    }

    public List<Tenant> list() {
        return control.selectFrom(TENANT).orderBy(TENANT.SLUG).fetch(TenantRegistry::toTenant);
    }

    public Optional<Tenant> find(String slug) {
        return control.selectFrom(TENANT).where(TENANT.SLUG.eq(slug)).fetchOptional(TenantRegistry::toTenant);
    }

    /**
     * Inserts a provisioning row; false if the slug is taken. A slug whose derived database or slot
     * name is another tenant's (a hash collision) fails on the unique columns: refused, not shared.
     */
    boolean reserve(String slug, String displayName, String serverName) {
        try {
            return insertReservation(slug, displayName, serverName);
        } catch (org.jooq.exception.IntegrityConstraintViolationException e) {
            throw new Tenant.InvalidTenantException("tenant '" + slug + "' cannot be created: its database or slot name ("
                    + Tenant.databaseFor(slug) + ", " + Tenant.slotFor(slug) + ") belongs to another tenant");
        }
    }

    private boolean insertReservation(String slug, String displayName, String serverName) {
        return control.insertInto(TENANT)
                .set(TENANT.SLUG, slug)
                .set(TENANT.DISPLAY_NAME, displayName)
                .set(TENANT.DATABASE_NAME, Tenant.databaseFor(slug))
                .set(TENANT.SLOT_NAME, Tenant.slotFor(slug))
                .set(TENANT.SERVER_NAME, serverName)
                .set(TENANT.STATUS, TenantStatus.provisioning)
                .onConflict(TENANT.SLUG).doNothing()
                .execute() == 1;
    }

    void setStatus(String slug, TenantStatus status) {
        control.update(TENANT)
                .set(TENANT.STATUS, status)
                .set(TENANT.UPDATED_AT, OffsetDateTime.now())
                .where(TENANT.SLUG.eq(slug))
                .execute();
    }

    void delete(String slug) {
        control.deleteFrom(TENANT).where(TENANT.SLUG.eq(slug)).execute();
    }

    static Tenant toTenant(TenantRecord r) {
        return new Tenant(r.getSlug(), r.getDisplayName(), r.getDatabaseName(), r.getServerUrl(),
                r.getStatus().getLiteral(), r.getCreatedAt(), r.getSlotName(), r.getServerName());
    }
}
