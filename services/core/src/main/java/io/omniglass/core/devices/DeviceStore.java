package io.omniglass.core.devices;

import io.omniglass.core.gateway.AuditActor;
import io.omniglass.core.gateway.AuditTrail;
import io.omniglass.api.DeviceInfo;
import io.omniglass.core.runtime.NatsAuthorization;
import io.omniglass.schema.control.tables.records.DeviceCredentialRecord;
import org.jooq.DSLContext;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import static io.omniglass.schema.control.Tables.DEVICE_CREDENTIAL;

/** Device credentials in the control database: created (audited), listed, revoked (audited). */
public final class DeviceStore {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    private final DSLContext control;

    public DeviceStore(DSLContext control) {
        this.control = control;
    }

    /** A new credential and its seed, which exists nowhere else once the caller has shown it. */
    public record Created(DeviceInfo device, String seed) {
    }

    public Created create(AuditActor actor, String tenant, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a device name is 1-128 of [A-Za-z0-9_.-], starting with a letter or digit");
        }
        String seed;
        String publicKey;
        try {
            io.nats.client.NKey key = io.nats.client.NKey.createUser(RANDOM);
            seed = new String(key.getSeed());
            publicKey = new String(key.getPublicKey());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an NKey", e);
        }
        return control.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            if (tx.fetchExists(DEVICE_CREDENTIAL, DEVICE_CREDENTIAL.TENANT_SLUG.eq(tenant)
                    .and(DEVICE_CREDENTIAL.NAME.eq(name)).and(DEVICE_CREDENTIAL.REVOKED_AT.isNull()))) {
                throw new DeviceConflictException("tenant " + tenant + " already has a live device '" + name + "' (revoke it first)");
            }
            DeviceCredentialRecord r = tx.insertInto(DEVICE_CREDENTIAL)
                    .set(DEVICE_CREDENTIAL.TENANT_SLUG, tenant)
                    .set(DEVICE_CREDENTIAL.NAME, name)
                    .set(DEVICE_CREDENTIAL.PUBLIC_KEY, publicKey)
                    .set(DEVICE_CREDENTIAL.CREATED_BY, actor.name())
                    .returning().fetchSingle();
            audit(tx, actor, "device.create", r, null);
            return new Created(info(r), seed);
        });
    }

    public List<DeviceInfo> list(String tenant) {
        return control.selectFrom(DEVICE_CREDENTIAL).where(DEVICE_CREDENTIAL.TENANT_SLUG.eq(tenant))
                .orderBy(DEVICE_CREDENTIAL.ID).fetch(DeviceStore::info);
    }

    /** Revokes device {@code id} of {@code tenant}; empty when there is no such device. Revoking twice changes nothing. */
    public Optional<DeviceInfo> revoke(AuditActor actor, String tenant, long id) {
        return control.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            DeviceCredentialRecord r = tx.selectFrom(DEVICE_CREDENTIAL)
                    .where(DEVICE_CREDENTIAL.ID.eq(id).and(DEVICE_CREDENTIAL.TENANT_SLUG.eq(tenant))).forUpdate().fetchOne();
            if (r == null) {
                return Optional.empty();
            }
            if (r.getRevokedAt() == null) {
                DeviceInfo before = info(r);
                r = tx.update(DEVICE_CREDENTIAL)
                        .set(DEVICE_CREDENTIAL.REVOKED_AT, org.jooq.impl.DSL.currentOffsetDateTime())
                        .set(DEVICE_CREDENTIAL.REVOKED_BY, actor.name())
                        .where(DEVICE_CREDENTIAL.ID.eq(id)).returning().fetchSingle();
                audit(tx, actor, "device.revoke", r, before);
            }
            return Optional.of(info(r));
        });
    }

    /** Every live credential of every tenant: what the nats-server admits. */
    public List<NatsAuthorization.DeviceGrant> grants() {
        return control.select(DEVICE_CREDENTIAL.TENANT_SLUG, DEVICE_CREDENTIAL.PUBLIC_KEY).from(DEVICE_CREDENTIAL)
                .where(DEVICE_CREDENTIAL.REVOKED_AT.isNull()).orderBy(DEVICE_CREDENTIAL.ID)
                .fetch(r -> new NatsAuthorization.DeviceGrant(r.value1(), r.value2()));
    }

    private static void audit(DSLContext tx, AuditActor actor, String verb, DeviceCredentialRecord now, DeviceInfo before) {
        AuditTrail.CONTROL.write(tx, actor, verb, "device:" + now.getId(), before, info(now));
    }

    private static DeviceInfo info(DeviceCredentialRecord r) {
        return new DeviceInfo(r.getId(), r.getTenantSlug(), r.getName(), r.getPublicKey(), r.getCreatedAt(),
                r.getCreatedBy(), r.getRevokedAt(), r.getRevokedBy());
    }

    /** A live device of that name exists. */
    public static final class DeviceConflictException extends RuntimeException {
        DeviceConflictException(String message) {
            super(message);
        }
    }
}
