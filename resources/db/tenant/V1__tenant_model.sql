-- The tenant database. No tenant column anywhere: isolation is a database per tenant.
-- Conventions (ARCHITECTURE.md "The data model"), each enforced here rather than by discipline:
--   * three storage shapes: append-only ground truth (refuses UPDATE/DELETE/TRUNCATE),
--     stateful entities (alarm, action), read models as plain views (current_value, session);
--   * registries carry scope (template/org/official) or an official boolean;
--   * ownership is an exclusive arc: owner_kind plus exactly the matching typed FK;
--   * provenance and lineage on every datapoint, by CHECK, with FKs making the ids real.

CREATE TYPE owner_kind     AS ENUM ('component', 'system', 'location', 'node', 'global');
CREATE TYPE provenance     AS ENUM ('observed', 'calculated', 'intended');
CREATE TYPE registry_scope AS ENUM ('template', 'org', 'official');
CREATE TYPE datapoint_kind AS ENUM ('metric', 'state', 'log');
CREATE TYPE fusion_policy  AS ENUM ('latest', 'max', 'min', 'mean');
CREATE TYPE event_origin   AS ENUM ('rule', 'scheduled', 'operator', 'device');
CREATE TYPE severity       AS ENUM ('debug', 'info', 'notice', 'warning', 'error', 'critical');
CREATE TYPE alarm_state    AS ENUM ('active', 'cleared');
CREATE TYPE action_status  AS ENUM ('pending', 'sent', 'confirmed', 'failed', 'cancelled');

CREATE FUNCTION og_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- ---------------------------------------------------------------- registries (official boolean)

CREATE TABLE component_type (
    name        text PRIMARY KEY,
    official    boolean NOT NULL DEFAULT false,
    description text NOT NULL DEFAULT ''
);

CREATE TABLE interface_type (
    name        text PRIMARY KEY,
    official    boolean NOT NULL DEFAULT false,
    protocol    text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT ''
);

CREATE TABLE variable_type (
    name        text PRIMARY KEY,
    official    boolean NOT NULL DEFAULT false,
    secret      boolean NOT NULL DEFAULT false,
    description text NOT NULL DEFAULT ''
);

-- ---------------------------------------------------------------- templates

CREATE TABLE component_template (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    component_type  text REFERENCES component_type (name) ON UPDATE CASCADE,
    current_version int NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE component_template_version (
    template_id bigint NOT NULL REFERENCES component_template (id),
    version     int NOT NULL CHECK (version > 0),
    spec        jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (template_id, version)
);

CREATE TABLE system_template (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE system_template_member (
    system_template_id    bigint NOT NULL REFERENCES system_template (id),
    role                  text NOT NULL,
    component_template_id bigint NOT NULL REFERENCES component_template (id),
    count                 int NOT NULL DEFAULT 1 CHECK (count > 0),
    PRIMARY KEY (system_template_id, role)
);

-- ---------------------------------------------------------------- key registries (scope)

CREATE TABLE datapoint_type (
    id            int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL CHECK (name ~ '^[A-Za-z][A-Za-z0-9_.-]{0,127}$'),
    kind          datapoint_kind NOT NULL,
    unit          text NOT NULL DEFAULT '',
    scope         registry_scope NOT NULL DEFAULT 'org',
    template_id   bigint REFERENCES component_template (id),
    fusion_policy fusion_policy NOT NULL DEFAULT 'latest',
    description   text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((scope = 'template') = (template_id IS NOT NULL)),
    CHECK (fusion_policy = 'latest' OR kind = 'metric'),
    UNIQUE (id, kind)
);
-- where a name is unique is decided by scope: per template at template scope, globally otherwise
CREATE UNIQUE INDEX datapoint_type_name_global ON datapoint_type (name) WHERE scope <> 'template';
CREATE UNIQUE INDEX datapoint_type_name_template ON datapoint_type (template_id, name) WHERE scope = 'template';

CREATE TABLE event_type (
    id          int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (name ~ '^[A-Za-z][A-Za-z0-9_.-]{0,127}$'),
    scope       registry_scope NOT NULL DEFAULT 'org',
    template_id bigint REFERENCES component_template (id),
    severity    severity NOT NULL DEFAULT 'info',
    description text NOT NULL DEFAULT '',
    CHECK ((scope = 'template') = (template_id IS NOT NULL))
);
CREATE UNIQUE INDEX event_type_name_global ON event_type (name) WHERE scope <> 'template';
CREATE UNIQUE INDEX event_type_name_template ON event_type (template_id, name) WHERE scope = 'template';

-- ---------------------------------------------------------------- structure (name-keyed)

CREATE TABLE location (
    name         text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    display_name text NOT NULL DEFAULT '',
    parent       text REFERENCES location (name) ON UPDATE CASCADE,
    description  text NOT NULL DEFAULT '',
    attrs        jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (parent IS DISTINCT FROM name)
);

CREATE TABLE system (
    name               text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    display_name       text NOT NULL DEFAULT '',
    location           text REFERENCES location (name) ON UPDATE CASCADE,
    parent             text REFERENCES system (name) ON UPDATE CASCADE,
    system_template_id bigint REFERENCES system_template (id),
    description        text NOT NULL DEFAULT '',
    attrs              jsonb NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (parent IS DISTINCT FROM name)
);

CREATE TABLE component (
    name             text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    display_name     text NOT NULL DEFAULT '',
    component_type   text REFERENCES component_type (name) ON UPDATE CASCADE,
    system           text REFERENCES system (name) ON UPDATE CASCADE,
    location         text REFERENCES location (name) ON UPDATE CASCADE,
    template_id      bigint,
    template_version int,
    description      text NOT NULL DEFAULT '',
    attrs            jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (template_id, template_version) REFERENCES component_template_version (template_id, version),
    CHECK ((template_id IS NULL) = (template_version IS NULL))
);

CREATE TABLE node (
    name         text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'),
    display_name text NOT NULL DEFAULT '',
    location     text REFERENCES location (name) ON UPDATE CASCADE,
    address      text NOT NULL DEFAULT '',
    attrs        jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE system_member (
    system    text NOT NULL REFERENCES system (name) ON UPDATE CASCADE,
    component text NOT NULL REFERENCES component (name) ON UPDATE CASCADE,
    role      text NOT NULL,
    PRIMARY KEY (system, component)
);

-- ---------------------------------------------------------------- rules (versioned: an edit makes a new version)

CREATE TABLE event_rule (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    enabled         boolean NOT NULL DEFAULT true,
    current_version int NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE TABLE event_rule_version (
    event_rule_id bigint NOT NULL REFERENCES event_rule (id),
    version       int NOT NULL CHECK (version > 0),
    selector      text NOT NULL,            -- owner glob, e.g. component:pump-*
    key           text NOT NULL,            -- datapoint_type name
    condition     jsonb NOT NULL,           -- {"type": "high", "threshold": 8.5, "deadband": 0.2} ...
    severity      severity NOT NULL DEFAULT 'warning',
    message       text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text NOT NULL DEFAULT 'system',
    PRIMARY KEY (event_rule_id, version)
);
ALTER TABLE event_rule ADD FOREIGN KEY (id, current_version)
    REFERENCES event_rule_version (event_rule_id, version) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE calc_rule (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    enabled         boolean NOT NULL DEFAULT true,
    current_version int NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE TABLE calc_rule_version (
    calc_rule_id bigint NOT NULL REFERENCES calc_rule (id),
    version      int NOT NULL CHECK (version > 0),
    inputs       jsonb NOT NULL,            -- [{"owner": "...", "key": "..."}, ...]
    expression   text NOT NULL,
    output_owner text NOT NULL,
    output_key   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL DEFAULT 'system',
    PRIMARY KEY (calc_rule_id, version)
);
ALTER TABLE calc_rule ADD FOREIGN KEY (id, current_version)
    REFERENCES calc_rule_version (calc_rule_id, version) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE action_rule (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    enabled         boolean NOT NULL DEFAULT true,
    current_version int NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);
CREATE TABLE action_rule_version (
    action_rule_id bigint NOT NULL REFERENCES action_rule (id),
    version        int NOT NULL CHECK (version > 0),
    trigger        jsonb NOT NULL,          -- {"table": "alarm", "event_rule": "...", "state": "active"}
    command        jsonb NOT NULL,          -- {"owner": "component:valve-3", "key": "position", "value": "closed"}
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text NOT NULL DEFAULT 'system',
    PRIMARY KEY (action_rule_id, version)
);
ALTER TABLE action_rule ADD FOREIGN KEY (id, current_version)
    REFERENCES action_rule_version (action_rule_id, version) DEFERRABLE INITIALLY DEFERRED;

-- The function (edge poller, driver) or calc_rule version that produced observed/calculated rows.
CREATE TABLE source_rule (
    id                int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text NOT NULL,
    version           int NOT NULL DEFAULT 1 CHECK (version > 0),
    calc_rule_id      bigint,
    calc_rule_version int,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version),
    FOREIGN KEY (calc_rule_id, calc_rule_version) REFERENCES calc_rule_version (calc_rule_id, version),
    CHECK ((calc_rule_id IS NULL) = (calc_rule_version IS NULL))
);

-- ---------------------------------------------------------------- series (the datapoint key)

-- The exclusive arc, written out on every owning table:
--   exactly the typed FK matching owner_kind is set, and none for 'global'.
CREATE TABLE series (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_kind        owner_kind NOT NULL,
    component_id      text REFERENCES component (name) ON UPDATE CASCADE,
    system_id         text REFERENCES system (name) ON UPDATE CASCADE,
    location_id       text REFERENCES location (name) ON UPDATE CASCADE,
    node_id           text REFERENCES node (name) ON UPDATE CASCADE,
    owner             text GENERATED ALWAYS AS (CASE
                          WHEN component_id IS NOT NULL THEN 'component:' || component_id
                          WHEN system_id IS NOT NULL THEN 'system:' || system_id
                          WHEN location_id IS NOT NULL THEN 'location:' || location_id
                          WHEN node_id IS NOT NULL THEN 'node:' || node_id
                          ELSE 'global' END) STORED,
    datapoint_type_id int NOT NULL,
    kind              datapoint_kind NOT NULL,
    instance          text NOT NULL DEFAULT '',
    provenance        provenance NOT NULL,
    source            text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (datapoint_type_id, kind) REFERENCES datapoint_type (id, kind),
    CONSTRAINT series_owner_arc CHECK (
        (owner_kind = 'component') = (component_id IS NOT NULL) AND
        (owner_kind = 'system')    = (system_id IS NOT NULL) AND
        (owner_kind = 'location')  = (location_id IS NOT NULL) AND
        (owner_kind = 'node')      = (node_id IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (owner_kind, component_id, system_id, location_id, node_id,
                               datapoint_type_id, instance, provenance, source),
    -- target of the datapoints' (series_id, provenance) FK: a row's provenance is its series'
    UNIQUE (id, provenance)
);
CREATE INDEX series_owner ON series (owner, datapoint_type_id);
CREATE INDEX series_type ON series (datapoint_type_id);

-- ---------------------------------------------------------------- events, alarms, actions

CREATE TABLE event (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts                  timestamptz NOT NULL DEFAULT now(),
    name                text NOT NULL,                  -- alarm.raised, alarm.cleared, command, snooze.expired ...
    event_type_id       int REFERENCES event_type (id),
    origin              event_origin NOT NULL,
    owner_kind          owner_kind NOT NULL,
    component_id        text REFERENCES component (name) ON UPDATE CASCADE,
    system_id           text REFERENCES system (name) ON UPDATE CASCADE,
    location_id         text REFERENCES location (name) ON UPDATE CASCADE,
    node_id             text REFERENCES node (name) ON UPDATE CASCADE,
    owner               text GENERATED ALWAYS AS (CASE
                            WHEN component_id IS NOT NULL THEN 'component:' || component_id
                            WHEN system_id IS NOT NULL THEN 'system:' || system_id
                            WHEN location_id IS NOT NULL THEN 'location:' || location_id
                            WHEN node_id IS NOT NULL THEN 'node:' || node_id
                            ELSE 'global' END) STORED,
    -- lineage: the rule version that produced it (origin = rule) ...
    event_rule_id       bigint,
    event_rule_version  int,
    action_rule_id      bigint,
    action_rule_version int,
    -- ... the datapoint that triggered it ...
    trigger_series_id   bigint REFERENCES series (id),
    trigger_ts          timestamptz,
    -- ... the event it follows from (an alarm transition for a command), the operator behind it
    trigger_event_id    bigint REFERENCES event (id),
    actor               text,
    severity            severity NOT NULL DEFAULT 'info',
    message             text NOT NULL DEFAULT '',
    payload             jsonb NOT NULL DEFAULT '{}',
    correlation_id      text,
    caused_by_event_id  bigint REFERENCES event (id),
    FOREIGN KEY (event_rule_id, event_rule_version) REFERENCES event_rule_version (event_rule_id, version),
    FOREIGN KEY (action_rule_id, action_rule_version) REFERENCES action_rule_version (action_rule_id, version),
    CONSTRAINT event_owner_arc CHECK (
        (owner_kind = 'component') = (component_id IS NOT NULL) AND
        (owner_kind = 'system')    = (system_id IS NOT NULL) AND
        (owner_kind = 'location')  = (location_id IS NOT NULL) AND
        (owner_kind = 'node')      = (node_id IS NOT NULL)),
    CHECK ((event_rule_id IS NULL) = (event_rule_version IS NULL)),
    CHECK ((action_rule_id IS NULL) = (action_rule_version IS NULL)),
    CHECK ((trigger_series_id IS NULL) = (trigger_ts IS NULL)),
    CONSTRAINT event_lineage CHECK (
        (origin = 'rule' AND num_nonnulls(event_rule_id, action_rule_id) = 1) OR
        (origin = 'operator' AND actor IS NOT NULL) OR
        (origin IN ('scheduled', 'device')))
);
CREATE INDEX event_ts ON event (ts, id);
CREATE INDEX event_owner ON event (owner, ts);
CREATE INDEX event_trigger ON event (trigger_series_id, trigger_ts) WHERE trigger_series_id IS NOT NULL;
CREATE INDEX event_trigger_event ON event (trigger_event_id) WHERE trigger_event_id IS NOT NULL;
CREATE INDEX event_caused_by ON event (caused_by_event_id) WHERE caused_by_event_id IS NOT NULL;

-- One row per (event_rule, owner) holding the alarm's current state; its history is the events.
CREATE TABLE alarm (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_rule_id      bigint NOT NULL REFERENCES event_rule (id),
    event_rule_version int NOT NULL,
    owner_kind         owner_kind NOT NULL,
    component_id       text REFERENCES component (name) ON UPDATE CASCADE,
    system_id          text REFERENCES system (name) ON UPDATE CASCADE,
    location_id        text REFERENCES location (name) ON UPDATE CASCADE,
    node_id            text REFERENCES node (name) ON UPDATE CASCADE,
    owner              text GENERATED ALWAYS AS (CASE
                           WHEN component_id IS NOT NULL THEN 'component:' || component_id
                           WHEN system_id IS NOT NULL THEN 'system:' || system_id
                           WHEN location_id IS NOT NULL THEN 'location:' || location_id
                           WHEN node_id IS NOT NULL THEN 'node:' || node_id
                           ELSE 'global' END) STORED,
    state              alarm_state NOT NULL,
    severity           severity NOT NULL,
    message            text NOT NULL DEFAULT '',
    raised_at          timestamptz NOT NULL,
    cleared_at         timestamptz,
    raise_event_id     bigint NOT NULL REFERENCES event (id),
    last_event_id      bigint NOT NULL REFERENCES event (id),
    acked              boolean NOT NULL DEFAULT false,
    acked_at           timestamptz,
    acked_by           text,
    ack_reason         text,
    snoozed_until      timestamptz,
    snoozed_at         timestamptz,
    snoozed_by         text,
    snooze_reason      text,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (event_rule_id, event_rule_version) REFERENCES event_rule_version (event_rule_id, version),
    CONSTRAINT alarm_owner_arc CHECK (
        (owner_kind = 'component') = (component_id IS NOT NULL) AND
        (owner_kind = 'system')    = (system_id IS NOT NULL) AND
        (owner_kind = 'location')  = (location_id IS NOT NULL) AND
        (owner_kind = 'node')      = (node_id IS NOT NULL)),
    CHECK (acked = (acked_at IS NOT NULL AND acked_by IS NOT NULL)),
    CHECK (snoozed_until IS NULL OR (snooze_reason IS NOT NULL AND length(snooze_reason) > 0 AND snoozed_by IS NOT NULL)),
    CHECK ((state = 'cleared') = (cleared_at IS NOT NULL)),
    UNIQUE NULLS NOT DISTINCT (event_rule_id, owner_kind, component_id, system_id, location_id, node_id)
);
CREATE INDEX alarm_state_idx ON alarm (state, severity, id);
CREATE INDEX alarm_owner ON alarm (owner);

CREATE TABLE action (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action_rule_id      bigint,
    action_rule_version int,
    alarm_id            bigint REFERENCES alarm (id),
    command_event_id    bigint NOT NULL UNIQUE REFERENCES event (id),
    owner_kind          owner_kind NOT NULL,
    component_id        text REFERENCES component (name) ON UPDATE CASCADE,
    system_id           text REFERENCES system (name) ON UPDATE CASCADE,
    location_id         text REFERENCES location (name) ON UPDATE CASCADE,
    node_id             text REFERENCES node (name) ON UPDATE CASCADE,
    owner               text GENERATED ALWAYS AS (CASE
                            WHEN component_id IS NOT NULL THEN 'component:' || component_id
                            WHEN system_id IS NOT NULL THEN 'system:' || system_id
                            WHEN location_id IS NOT NULL THEN 'location:' || location_id
                            WHEN node_id IS NOT NULL THEN 'node:' || node_id
                            ELSE 'global' END) STORED,
    key                 text NOT NULL,
    command             jsonb NOT NULL,
    status              action_status NOT NULL DEFAULT 'pending',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    confirmed_series_id bigint REFERENCES series (id),
    confirmed_ts        timestamptz,
    FOREIGN KEY (action_rule_id, action_rule_version) REFERENCES action_rule_version (action_rule_id, version),
    CONSTRAINT action_owner_arc CHECK (
        (owner_kind = 'component') = (component_id IS NOT NULL) AND
        (owner_kind = 'system')    = (system_id IS NOT NULL) AND
        (owner_kind = 'location')  = (location_id IS NOT NULL) AND
        (owner_kind = 'node')      = (node_id IS NOT NULL)),
    CHECK ((action_rule_id IS NULL) = (action_rule_version IS NULL)),
    CHECK ((confirmed_series_id IS NULL) = (confirmed_ts IS NULL))
);
CREATE INDEX action_alarm ON action (alarm_id);

-- ---------------------------------------------------------------- the datapoint firehose

-- Narrow rows keyed by series, range-partitioned by ts (daily partitions created ahead by
-- og_ensure_partitions; deliberately no default partition). Lineage per provenance by CHECK:
-- observed/calculated name the source_rule (+ version), intended names the command event.
CREATE TABLE metric_datapoint (
    series_id          bigint NOT NULL,
    ts                 timestamptz NOT NULL,
    value              double precision NOT NULL,
    provenance         provenance NOT NULL,
    source_rule_id     int REFERENCES source_rule (id),
    event_id           bigint REFERENCES event (id),
    correlation_id     text,
    caused_by_event_id bigint REFERENCES event (id),
    PRIMARY KEY (series_id, ts),
    FOREIGN KEY (series_id, provenance) REFERENCES series (id, provenance),
    CONSTRAINT metric_datapoint_lineage CHECK (
        (provenance IN ('observed', 'calculated') AND source_rule_id IS NOT NULL AND event_id IS NULL) OR
        (provenance = 'intended' AND event_id IS NOT NULL AND source_rule_id IS NULL))
) PARTITION BY RANGE (ts);

CREATE TABLE state_datapoint (
    series_id          bigint NOT NULL,
    ts                 timestamptz NOT NULL,
    value              text NOT NULL,
    provenance         provenance NOT NULL,
    source_rule_id     int REFERENCES source_rule (id),
    event_id           bigint REFERENCES event (id),
    correlation_id     text,
    caused_by_event_id bigint REFERENCES event (id),
    PRIMARY KEY (series_id, ts),
    FOREIGN KEY (series_id, provenance) REFERENCES series (id, provenance),
    CONSTRAINT state_datapoint_lineage CHECK (
        (provenance IN ('observed', 'calculated') AND source_rule_id IS NOT NULL AND event_id IS NULL) OR
        (provenance = 'intended' AND event_id IS NOT NULL AND source_rule_id IS NULL))
) PARTITION BY RANGE (ts);

CREATE TABLE log_datapoint (
    series_id          bigint NOT NULL,
    ts                 timestamptz NOT NULL,
    severity           severity NOT NULL,
    message            text NOT NULL,
    provenance         provenance NOT NULL,
    source_rule_id     int REFERENCES source_rule (id),
    event_id           bigint REFERENCES event (id),
    correlation_id     text,
    caused_by_event_id bigint REFERENCES event (id),
    PRIMARY KEY (series_id, ts),
    FOREIGN KEY (series_id, provenance) REFERENCES series (id, provenance),
    CONSTRAINT log_datapoint_lineage CHECK (
        (provenance IN ('observed', 'calculated') AND source_rule_id IS NOT NULL AND event_id IS NULL) OR
        (provenance = 'intended' AND event_id IS NOT NULL AND source_rule_id IS NULL))
) PARTITION BY RANGE (ts);

CREATE INDEX metric_datapoint_caused_by ON metric_datapoint (caused_by_event_id) WHERE caused_by_event_id IS NOT NULL;
CREATE INDEX state_datapoint_caused_by ON state_datapoint (caused_by_event_id) WHERE caused_by_event_id IS NOT NULL;
CREATE INDEX log_datapoint_caused_by ON log_datapoint (caused_by_event_id) WHERE caused_by_event_id IS NOT NULL;
CREATE INDEX metric_datapoint_event ON metric_datapoint (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX state_datapoint_event ON state_datapoint (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX log_datapoint_event ON log_datapoint (event_id) WHERE event_id IS NOT NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['metric_datapoint', 'state_datapoint', 'log_datapoint'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION og_refuse_change()', t || '_append_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION og_refuse_change()', t || '_no_truncate', t);
    END LOOP;
END $$;

-- Daily partitions [p_from, p_to] for the three datapoint tables; idempotent, safe to race.
CREATE FUNCTION og_ensure_partitions(p_from date, p_to date) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    t text; d date; part text; created int := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('og_ensure_partitions'));
    FOREACH t IN ARRAY ARRAY['metric_datapoint', 'state_datapoint', 'log_datapoint'] LOOP
        d := p_from;
        WHILE d <= p_to LOOP
            part := t || '_p' || to_char(d, 'YYYYMMDD');
            IF to_regclass(part) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                               part, t, (d::timestamp AT TIME ZONE 'UTC'), ((d + 1)::timestamp AT TIME ZONE 'UTC'));
                created := created + 1;
            END IF;
            d := d + 1;
        END LOOP;
    END LOOP;
    RETURN created;
END $$;

-- The span of ts the datapoint tables can hold: every day from the first to the last partition
-- (partitions are contiguous because og_ensure_partitions fills every day it is given).
CREATE FUNCTION og_partition_span(p_table text) RETURNS tstzrange LANGUAGE sql STABLE AS $$
    SELECT tstzrange(min(to_date(substring(c.relname from '_p(\d{8})$'), 'YYYYMMDD'))::timestamp AT TIME ZONE 'UTC',
                     (max(to_date(substring(c.relname from '_p(\d{8})$'), 'YYYYMMDD')) + 1)::timestamp AT TIME ZONE 'UTC')
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass(p_table)
$$;

-- ---------------------------------------------------------------- the current-value read model

-- Latest datapoint per series. Maintained inside the writing statement (a statement-level trigger
-- over the inserted rows), so it is never stale and any writer keeps it right. Earned by the fleet
-- read: a LATERAL probe per series over ~15 partitions costs ~2 s for 100k series, this a scan of
-- one narrow row per series.
CREATE TABLE series_latest (
    series_id  bigint PRIMARY KEY REFERENCES series (id),
    ts         timestamptz NOT NULL,
    value_num  double precision,
    value_text text,
    severity   severity
) WITH (fillfactor = 70);

CREATE FUNCTION og_latest_metric() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- DISTINCT ON over the statement's own rows (one batch), never over the log
    INSERT INTO series_latest AS l (series_id, ts, value_num)
    SELECT DISTINCT ON (series_id) series_id, ts, value FROM new_rows ORDER BY series_id, ts DESC
    ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value_num = excluded.value_num
        WHERE l.ts < excluded.ts;
    RETURN NULL;
END $$;
CREATE FUNCTION og_latest_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO series_latest AS l (series_id, ts, value_text)
    SELECT DISTINCT ON (series_id) series_id, ts, value FROM new_rows ORDER BY series_id, ts DESC
    ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value_text = excluded.value_text
        WHERE l.ts < excluded.ts;
    RETURN NULL;
END $$;
CREATE FUNCTION og_latest_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO series_latest AS l (series_id, ts, value_text, severity)
    SELECT DISTINCT ON (series_id) series_id, ts, message, severity FROM new_rows ORDER BY series_id, ts DESC
    ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value_text = excluded.value_text, severity = excluded.severity
        WHERE l.ts < excluded.ts;
    RETURN NULL;
END $$;
CREATE TRIGGER metric_datapoint_latest AFTER INSERT ON metric_datapoint
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION og_latest_metric();
CREATE TRIGGER state_datapoint_latest AFTER INSERT ON state_datapoint
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION og_latest_state();
CREATE TRIGGER log_datapoint_latest AFTER INSERT ON log_datapoint
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION og_latest_log();

-- Latest per (owner, key, instance, provenance), fused across sources by the key's fusion_policy.
CREATE VIEW current_value AS
SELECT s.owner,
       s.owner_kind,
       t.name                                               AS key,
       t.kind,
       t.unit,
       s.instance,
       s.provenance,
       t.fusion_policy,
       CASE t.fusion_policy
           WHEN 'max'  THEN max(l.value_num)
           WHEN 'min'  THEN min(l.value_num)
           WHEN 'mean' THEN avg(l.value_num)
           ELSE (array_agg(l.value_num ORDER BY l.ts DESC))[1]
       END                                                  AS value_num,
       (array_agg(l.value_text ORDER BY l.ts DESC))[1]      AS value_text,
       (array_agg(l.severity ORDER BY l.ts DESC))[1]        AS severity,
       max(l.ts)                                            AS ts,
       count(*)                                             AS source_count,
       (array_agg(s.id ORDER BY l.ts DESC))[1]              AS series_id
FROM series s
JOIN series_latest l ON l.series_id = s.id
JOIN datapoint_type t ON t.id = s.datapoint_type_id
GROUP BY s.owner, s.owner_kind, t.id, t.name, t.kind, t.unit, t.fusion_policy, s.instance, s.provenance;

-- ---------------------------------------------------------------- config, variables, tags

CREATE TABLE variable (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL,
    variable_type text NOT NULL REFERENCES variable_type (name) ON UPDATE CASCADE,
    owner_kind    owner_kind NOT NULL,
    component_id  text REFERENCES component (name) ON UPDATE CASCADE,
    system_id     text REFERENCES system (name) ON UPDATE CASCADE,
    location_id   text REFERENCES location (name) ON UPDATE CASCADE,
    node_id       text REFERENCES node (name) ON UPDATE CASCADE,
    value         jsonb,
    ciphertext    bytea,                    -- secrets: encrypted, decrypts are audited
    updated_at    timestamptz NOT NULL DEFAULT now(),
    updated_by    text NOT NULL DEFAULT 'system',
    CONSTRAINT variable_owner_arc CHECK (
        (owner_kind = 'component') = (component_id IS NOT NULL) AND
        (owner_kind = 'system')    = (system_id IS NOT NULL) AND
        (owner_kind = 'location')  = (location_id IS NOT NULL) AND
        (owner_kind = 'node')      = (node_id IS NOT NULL)),
    CHECK (num_nonnulls(value, ciphertext) = 1),
    UNIQUE NULLS NOT DISTINCT (name, owner_kind, component_id, system_id, location_id, node_id)
);

-- Declared configuration, keyed to the same signal (owner, key) as the datapoints it governs.
CREATE TABLE config (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner      text NOT NULL,
    key        text NOT NULL,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by text NOT NULL DEFAULT 'system',
    UNIQUE (owner, key)
);

CREATE TABLE tags (
    entity_kind text NOT NULL CHECK (entity_kind IN ('location', 'system', 'component', 'node', 'series', 'event_rule')),
    entity_name text NOT NULL,
    tag         text NOT NULL,
    value       text NOT NULL DEFAULT '',
    PRIMARY KEY (entity_kind, entity_name, tag)
);

-- ---------------------------------------------------------------- ground-truth logs (append-only)

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts             timestamptz NOT NULL DEFAULT now(),
    actor          text NOT NULL,
    verb           text NOT NULL,
    resource       text NOT NULL,
    old            jsonb,
    new            jsonb,
    correlation_id text
);
CREATE INDEX audit_log_ts ON audit_log (ts, id);
CREATE INDEX audit_log_resource ON audit_log (resource, ts);

CREATE TABLE session_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts        timestamptz NOT NULL DEFAULT now(),
    node      text NOT NULL REFERENCES node (name) ON UPDATE CASCADE,
    interface text NOT NULL,
    status    text NOT NULL CHECK (status IN ('opened', 'activity', 'command', 'error', 'closed')),
    detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX session_log_node ON session_log (node, interface, ts);

CREATE TABLE internal_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts        timestamptz NOT NULL DEFAULT now(),
    subsystem text NOT NULL,
    level     severity NOT NULL DEFAULT 'info',
    message   text NOT NULL,
    detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX internal_log_ts ON internal_log (ts);

CREATE TABLE collection_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts          timestamptz NOT NULL DEFAULT now(),
    task        text NOT NULL,
    node        text REFERENCES node (name) ON UPDATE CASCADE,
    status      text NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
    duration_ms int NOT NULL DEFAULT 0,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX collection_log_ts ON collection_log (ts);

CREATE TABLE node_log (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts      timestamptz NOT NULL DEFAULT now(),
    node    text NOT NULL REFERENCES node (name) ON UPDATE CASCADE,
    level   severity NOT NULL DEFAULT 'info',
    message text NOT NULL,
    detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX node_log_node ON node_log (node, ts);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit_log', 'session_log', 'internal_log', 'collection_log', 'node_log'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION og_refuse_change()', t || '_append_only', t);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION og_refuse_change()', t || '_no_truncate', t);
    END LOOP;
END $$;

-- Connection state per (node, interface), read from the session_log.
CREATE VIEW session AS
WITH last_open AS (
    SELECT node, interface, max(ts) AS opened_at
    FROM session_log WHERE status = 'opened'
    GROUP BY node, interface
)
SELECT o.node,
       o.interface,
       o.opened_at,
       max(s.ts)                                          AS last_activity_at,
       (array_agg(s.status ORDER BY s.ts DESC, s.id DESC))[1] AS status,
       count(*) FILTER (WHERE s.status = 'command')       AS command_count,
       count(*) FILTER (WHERE s.status = 'error')         AS error_count
FROM last_open o
JOIN session_log s ON s.node = o.node AND s.interface = o.interface AND s.ts >= o.opened_at
GROUP BY o.node, o.interface, o.opened_at;
