-- Data-lane credentials of a tenant's devices (issue 16). A device holds an NKey seed, printed
-- once by `core device create`; only its public key is kept here (and in the nats-server's
-- authorization, regenerated from these rows), so nothing stored opens a lane. A device may
-- publish only on og.<tenant>.dp.> and read only its tenant's commands and its own replies.
CREATE TABLE device_credential (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_slug text NOT NULL REFERENCES tenant (slug) ON DELETE CASCADE,
    name        text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    -- an NKey user public key: 'U' and 55 base32 characters
    public_key  text NOT NULL UNIQUE CHECK (public_key ~ '^U[A-Z2-7]{55}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    revoked_at  timestamptz,
    revoked_by  text,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
-- one live credential per device name and tenant; revoked ones stay for the record
CREATE UNIQUE INDEX device_credential_live_name ON device_credential (tenant_slug, name) WHERE revoked_at IS NULL;
