-- Row-level security of series_latest (the current values) checks the row's owner against the
-- scope's owners instead of asking whether its series is visible.
--
-- V30's policy, "series_id IN (SELECT id FROM series)", runs series' own policy over every series
-- of the tenant to build its hash: a system-scoped read of 10,000 current values at a million
-- series spent 1.3 s of its 1.9 s there, and the planner, pricing that build into every probe of
-- series_latest, would not drive a scoped read from an index. The scope's owners are a few
-- thousand names (its locations, systems, components and nodes, which V131 computes once per
-- statement); each row is one probe of their hashed set: 0.33 s for the same read.
--
-- The same rows: series_latest.owner is series.owner (written with the series by og_latest_identity,
-- V33, in the statement that creates or renames it), and series.owner is 'location:', 'system:',
-- 'component:' or 'node:' followed by the one arc column the owner-arc CHECK allows, or 'global'.
-- So a row's owner is in this set exactly when its series passes V30's policy on series. A latest
-- row without its identity (owner null, until the boot phase heals it) is hidden from scoped
-- readers, as it is from the current_value view's owner predicate. Tenant-wide scopes are unchanged.
-- The datapoint tables keep V30's policy (they carry no owner).

CREATE FUNCTION og_scope_owners() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(o), '{}') FROM (
        SELECT 'location:' || l FROM unnest((SELECT og_scope_locations())) l
        UNION ALL
        SELECT 'system:' || s FROM unnest((SELECT og_scope_systems())) s
        UNION ALL
        SELECT 'component:' || c FROM unnest((SELECT og_scope_components())) c
        UNION ALL
        SELECT 'node:' || n FROM unnest((SELECT og_scope_nodes())) n) x(o)
$$;

DROP POLICY og_scope ON series_latest;
CREATE POLICY og_scope ON series_latest TO og_scoped USING (
    (SELECT og_scope_kind()) = 'tenant' OR owner IN (SELECT unnest(og_scope_owners())));
