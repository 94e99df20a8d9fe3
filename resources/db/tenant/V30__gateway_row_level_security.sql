-- Defence in depth for the Storage Gateway: row-level security keyed to the request's scope.
--
-- The gateway already adds visible_set(P, action) to every query. Scoped transactions also run as
-- the NOLOGIN role og_scoped (SET LOCAL ROLE via set_config('role', ...)) with the scope in
-- transaction-local settings og.scope_kind / og.scope_name, so a query the gateway forgot to
-- narrow still sees only in-scope rows. Unset settings mean no rows (fail closed). System mode
-- (sink, CDC, rules) runs as the table owner and is not subject to these policies.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'og_scoped') THEN
        CREATE ROLE og_scoped NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- another tenant database created it concurrently (roles are cluster-wide)
END $$;

-- a non-superuser core must be able to SET ROLE og_scoped
DO $$
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT og_scoped TO %I', current_user);
    END IF;
EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'could not grant og_scoped to %: %', current_user, SQLERRM;
END $$;

GRANT USAGE ON SCHEMA public TO og_scoped;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO og_scoped;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO og_scoped;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE ON TABLES TO og_scoped;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO og_scoped;
REVOKE ALL ON flyway_schema_history FROM og_scoped;

-- Partitions are reached through their (policy-carrying) parents only: a partition queried directly
-- would skip the parent's policies, so og_scoped gets no privilege on any partition.
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent IN ('metric_datapoint'::regclass, 'state_datapoint'::regclass, 'log_datapoint'::regclass) LOOP
        EXECUTE format('REVOKE ALL ON %I FROM og_scoped', r.relname);
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION og_ensure_partitions(p_from date, p_to date) RETURNS int LANGUAGE plpgsql AS $$
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
                EXECUTE format('REVOKE ALL ON %I FROM og_scoped', part);
                created := created + 1;
            END IF;
            d := d + 1;
        END LOOP;
    END LOOP;
    RETURN created;
END $$;

-- ---------------------------------------------------------------- the scope, as SQL sees it

CREATE FUNCTION og_scope_kind() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('og.scope_kind', true), ''), 'none')
$$;

CREATE FUNCTION og_scope_name() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT current_setting('og.scope_name', true)
$$;

-- location scope: the location and its descendants
CREATE FUNCTION og_scope_locations() RETURNS text[] LANGUAGE sql STABLE AS $$
    WITH RECURSIVE sub(name) AS (
        SELECT name FROM location WHERE og_scope_kind() = 'location' AND name = og_scope_name()
        UNION
        SELECT l.name FROM location l JOIN sub ON l.parent = sub.name)
    SELECT coalesce(array_agg(name), '{}') FROM sub
$$;

-- system scope: the system and its descendants; location scope: the systems located in it
CREATE FUNCTION og_scope_systems() RETURNS text[] LANGUAGE sql STABLE AS $$
    WITH RECURSIVE sub(name) AS (
        SELECT name FROM system WHERE og_scope_kind() = 'system' AND name = og_scope_name()
        UNION
        SELECT s.name FROM system s JOIN sub ON s.parent = sub.name)
    SELECT coalesce(array_agg(name), '{}') FROM (
        SELECT name FROM sub
        UNION
        SELECT name FROM system WHERE location = ANY (og_scope_locations())) x
$$;

CREATE FUNCTION og_scope_components() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(name), '{}') FROM (
        SELECT name FROM component WHERE location = ANY (og_scope_locations()) OR system = ANY (og_scope_systems())
        UNION
        SELECT component FROM system_member WHERE system = ANY (og_scope_systems())) x
$$;

CREATE FUNCTION og_scope_nodes() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(name), '{}') FROM node WHERE location = ANY (og_scope_locations())
$$;

-- ---------------------------------------------------------------- the policies
-- Scalar sub-selects make each set an InitPlan: computed once per statement, never per row, and
-- not at all for a tenant-wide scope (the first OR arm short-circuits).

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['series', 'event', 'alarm', 'action'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY og_scope ON %I TO og_scoped USING (
                (SELECT og_scope_kind()) = 'tenant'
                OR location_id = ANY ((SELECT og_scope_locations())::text[])
                OR system_id = ANY ((SELECT og_scope_systems())::text[])
                OR component_id = ANY ((SELECT og_scope_components())::text[])
                OR node_id = ANY ((SELECT og_scope_nodes())::text[]))$p$, t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['series_latest', 'metric_datapoint', 'state_datapoint', 'log_datapoint'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY og_scope ON %I TO og_scoped USING (
                (SELECT og_scope_kind()) = 'tenant' OR series_id IN (SELECT id FROM series))$p$, t);
    END LOOP;
END $$;

-- views run with the caller's rights, so the policies above apply through them
ALTER VIEW current_value SET (security_invoker = true);
ALTER VIEW session SET (security_invoker = true);
