-- The control database: tenant registry, principals and API tokens, global settings,
-- and the control-plane audit log (token and tenant creation are operator writes too).

CREATE TYPE tenant_status AS ENUM ('provisioning', 'active', 'failed', 'disabled');
CREATE TYPE principal_role AS ENUM ('viewer', 'operator', 'admin');
CREATE TYPE scope_kind AS ENUM ('tenant', 'location', 'system');

CREATE TABLE tenant (
    slug          text PRIMARY KEY CHECK (slug ~ '^[a-z][a-z0-9_]{0,62}$'),
    display_name  text NOT NULL,
    database_name text NOT NULL UNIQUE,
    -- JDBC URL of the Postgres server holding the tenant database; NULL means the control server
    server_url    text,
    status        tenant_status NOT NULL DEFAULT 'provisioning',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE principal (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    kind       text NOT NULL DEFAULT 'service' CHECK (kind IN ('user', 'service')),
    created_at timestamptz NOT NULL DEFAULT now(),
    disabled   boolean NOT NULL DEFAULT false
);

CREATE TABLE api_token (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    principal_id bigint NOT NULL REFERENCES principal (id),
    -- SHA-256 of the secret: the secret itself is printed once and never stored
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    -- the first characters of the secret, to recognise a token in lists and logs
    token_prefix text NOT NULL,
    role         principal_role NOT NULL,
    -- NULL tenant: every tenant (admin tokens only)
    tenant_slug  text REFERENCES tenant (slug) ON DELETE CASCADE,
    scope_kind   scope_kind NOT NULL DEFAULT 'tenant',
    scope_name   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CHECK ((scope_kind = 'tenant') = (scope_name IS NULL)),
    CHECK (tenant_slug IS NOT NULL OR (role = 'admin' AND scope_kind = 'tenant'))
);

CREATE TABLE setting (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts       timestamptz NOT NULL DEFAULT now(),
    actor    text NOT NULL,
    verb     text NOT NULL,
    resource text NOT NULL,
    old      jsonb,
    new      jsonb
);
CREATE INDEX audit_log_ts ON audit_log (ts, id);

CREATE FUNCTION og_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION og_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION og_refuse_change();

INSERT INTO setting (key, value) VALUES
    ('retention.default', '{"metric_datapoint": "30 days", "state_datapoint": "180 days", "log_datapoint": "180 days", "audit_log": "7 years", "internal_log": "14 days"}'),
    ('ingest.accepted_window', '{"past": "7 days", "future": "1 day"}'),
    ('partitions.ahead_days', '7');
