-- The components of a scope found through indexes instead of a scan of every component.
--
-- V131's og_scope_components() selected "WHERE location = ANY (...) OR system = ANY (...)": an OR
-- across two columns is one sequential scan with a filter, so every scoped statement read the
-- whole component table, once for each policy that asks (on a plant of 100,000 components, 30-64 ms
-- for a system scope and 151 ms for a location scope, per set, at a load of 18). Written as a UNION
-- of one arm per column, each arm is an index probe with the set as its parameter:
-- component_system (V130) and the index below. Same set: a component is in it when its system or
-- its location is in the scope, or it is a member of a system in the scope.

CREATE INDEX component_location ON component (location);

CREATE OR REPLACE FUNCTION og_scope_components() RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(name), '{}') FROM (
        SELECT name FROM component WHERE system = ANY ((SELECT og_scope_systems())::text[])
        UNION
        SELECT name FROM component WHERE location = ANY ((SELECT og_scope_locations())::text[])
        UNION
        SELECT component FROM system_member WHERE system = ANY ((SELECT og_scope_systems())::text[])) x
$$;
