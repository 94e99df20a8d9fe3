-- Similar past alarms (issue 14): a signal fingerprint per alarm raise.
--
-- An alarm row is one (event rule, owner) and is raised again and again; each raise is an
-- alarm.raised event, so the fingerprint is keyed by that event: one row per occurrence. lead_up is
-- the fixed-length recipe vector (docs/similar.md) as a plain real[], so this migration runs on any
-- Postgres. Where the pgvector extension is available, the core's idempotent start-up step
-- (similar.SimilarSchema) creates the extension, adds
--     embedding vector(96) GENERATED ALWAYS AS (lead_up::vector(96)) STORED
-- and its HNSW index; without the extension everything else runs and the similar-alarms endpoint
-- says that the extension is missing. (Not here: a migration that fails without the extension
-- would stop a tenant on an external Postgres, and one that skips it would never come back to it.)
CREATE TABLE alarm_fingerprint (
    event_id       bigint PRIMARY KEY REFERENCES event (id),
    alarm_id       bigint NOT NULL REFERENCES alarm (id),
    event_rule_id  bigint NOT NULL REFERENCES event_rule (id),
    owner_kind     owner_kind NOT NULL,
    component_id   text REFERENCES component (name) ON UPDATE CASCADE,
    system_id      text REFERENCES system (name) ON UPDATE CASCADE,
    location_id    text REFERENCES location (name) ON UPDATE CASCADE,
    node_id        text REFERENCES node (name) ON UPDATE CASCADE,
    owner          text GENERATED ALWAYS AS (CASE
                       WHEN component_id IS NOT NULL THEN 'component:' || component_id
                       WHEN system_id IS NOT NULL THEN 'system:' || system_id
                       WHEN location_id IS NOT NULL THEN 'location:' || location_id
                       WHEN node_id IS NOT NULL THEN 'node:' || node_id
                       ELSE 'global' END) STORED,
    -- the signal time of the raise (the triggering datapoint's ts): the lead-up ends here
    raised_at      timestamptz NOT NULL,
    -- the wall-clock span of this occurrence, for its operator actions (audit_log.ts is wall clock):
    -- from the raise event until the next raise of the same alarm (open while it is the latest)
    occurred_from  timestamptz NOT NULL,
    occurred_until timestamptz,
    recipe_version smallint NOT NULL,
    -- the datapoint types of the blocks, in vector order ('' for an empty block)
    keys           text[] NOT NULL,
    samples        int NOT NULL,
    -- null when nothing moved in the lead-up (or it held no metric datapoint): nothing to compare
    lead_up        real[],
    computed_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT alarm_fingerprint_owner_arc CHECK (
        (owner_kind = 'component') = (component_id IS NOT NULL) AND
        (owner_kind = 'system')    = (system_id IS NOT NULL) AND
        (owner_kind = 'location')  = (location_id IS NOT NULL) AND
        (owner_kind = 'node')      = (node_id IS NOT NULL)),
    CHECK (samples > 0 OR lead_up IS NULL)
);
CREATE INDEX alarm_fingerprint_alarm ON alarm_fingerprint (alarm_id, occurred_from);
CREATE INDEX alarm_fingerprint_rule ON alarm_fingerprint (event_rule_id, raised_at);

-- An occurrence's operator actions are the alarm's audit rows within its span (audit_log_resource,
-- V1) and the commands that followed its raise (event_trigger_event, V1).

-- The same scope policy as the other owner-bearing tables (V30).
ALTER TABLE alarm_fingerprint ENABLE ROW LEVEL SECURITY;
CREATE POLICY og_scope ON alarm_fingerprint TO og_scoped USING (
    (SELECT og_scope_kind()) = 'tenant'
    OR location_id = ANY ((SELECT og_scope_locations())::text[])
    OR system_id = ANY ((SELECT og_scope_systems())::text[])
    OR component_id = ANY ((SELECT og_scope_components())::text[])
    OR node_id = ANY ((SELECT og_scope_nodes())::text[]));
