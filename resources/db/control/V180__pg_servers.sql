-- Postgres servers for tenants (issue 13): `core server add|list|drain`. The control server itself
-- is the row 'default' (registered by the core at start, with the core's own credentials); a
-- tenant's server_name names the server its database lives on (NULL: 'default', for tenants made
-- before servers were registered). A replica row names its primary: reads that may lag go there,
-- writes never do.
CREATE TYPE pg_server_state AS ENUM ('active', 'draining');

CREATE TABLE pg_server (
    name            text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_-]{0,62}$'),
    -- host, port and connection parameters; never a password (the core strips it into the sealed column)
    jdbc_url        text NOT NULL CHECK (jdbc_url LIKE 'jdbc:postgresql://%' AND jdbc_url !~* '[?&]password='),
    -- NULL: the core's own user (the 'default' server)
    username        text,
    -- the password sealed with the core's secret key (AES-256-GCM, identity 'pg_server:<name>'), so
    -- a dump of this table opens no server; NULL: the core's own credentials
    password_sealed bytea,
    replica_of      text REFERENCES pg_server (name),
    -- a draining server takes no new tenants; its tenants stay where they are
    state           pg_server_state NOT NULL DEFAULT 'active',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (replica_of IS NULL OR replica_of <> name)
);

ALTER TABLE tenant ADD COLUMN server_name text REFERENCES pg_server (name);
