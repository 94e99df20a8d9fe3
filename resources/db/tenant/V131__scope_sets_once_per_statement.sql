-- The scope sets of row-level security (V30), each computed once per call instead of once per row.
--
-- V30's og_scope_components() filtered every component row by "system = ANY (og_scope_systems())",
-- and og_scope_systems() every system row by "location = ANY (og_scope_locations())". A STABLE
-- function in a filter is evaluated again for each row it filters (only an index qual evaluates it
-- once), so a system-scoped read on a plant of 20,000 components evaluated og_scope_systems() 20,000
-- times, each of them og_scope_locations() per system: one count(*) over series ran past a
-- minute. Written as scalar sub-selects, each set is an InitPlan: computed once, then probed.
-- Same sets, same rules; only the evaluation changes.

CREATE OR REPLACE FUNCTION og_scope_systems() RETURNS text[] LANGUAGE sql STABLE AS $$
    WITH RECURSIVE sub(name) AS (
        SELECT name FROM system WHERE og_scope_kind() = 'system' AND name = og_scope_name()
        UNION
        SELECT s.name FROM system s JOIN sub ON s.parent = sub.name)
    SELECT coalesce(array_agg(name), '{}') FROM (
        SELECT name FROM sub
        UNION
        SELECT name FROM system WHERE location = ANY ((SELECT og_scope_locations())::text[])) x
$$;

CREATE OR REPLACE FUNCTION og_scope_components() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(name), '{}') FROM (
        SELECT name FROM component
        WHERE location = ANY ((SELECT og_scope_locations())::text[])
           OR system = ANY ((SELECT og_scope_systems())::text[])
        UNION
        SELECT component FROM system_member WHERE system = ANY ((SELECT og_scope_systems())::text[])) x
$$;

CREATE OR REPLACE FUNCTION og_scope_nodes() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(name), '{}') FROM node WHERE location = ANY ((SELECT og_scope_locations())::text[])
$$;

-- The policies probed each row against the sets with "= ANY (array)", a linear search: a location
-- scope of 1,000 components made count(*) over its 3,000 series 3 million comparisons (8.5 s).
-- "IN (SELECT unnest(...))" is a hashed sub-plan: the set is built once, each row one probe.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['series', 'event', 'alarm', 'action', 'variable'] LOOP
        EXECUTE format('DROP POLICY og_scope ON %I', t);
        EXECUTE format($p$CREATE POLICY og_scope ON %I TO og_scoped USING (
                (SELECT og_scope_kind()) = 'tenant'
                OR location_id IN (SELECT unnest(og_scope_locations()))
                OR system_id IN (SELECT unnest(og_scope_systems()))
                OR component_id IN (SELECT unnest(og_scope_components()))
                OR node_id IN (SELECT unnest(og_scope_nodes())))$p$, t);
    END LOOP;
END $$;
