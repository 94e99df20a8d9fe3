-- The plant tree (GET /entities/tree): every structure entity with its one place in the tree.
--
-- Each entity has exactly one tree parent, so the console can open the tree to a search hit:
--   location  -> its parent location
--   system    -> its parent system, else its location
--   component -> its system, else its location (system_member adds no second place)
--   node      -> its location
-- parent_name IS NULL marks a root. parent_kind is a constant in every branch, so a children
-- query (parent_kind = $1 AND parent_name = $2) prunes to the branches that can match and runs
-- each on the index below; the entity tables carry no row-level security, the gateway narrows
-- them by the token's scope.
CREATE VIEW plant_tree WITH (security_invoker = true) AS
SELECT 'location'::text AS kind, name, display_name, 'location'::text AS parent_kind, parent AS parent_name FROM location
UNION ALL
SELECT 'system', name, display_name, 'system', parent FROM system WHERE parent IS NOT NULL
UNION ALL
SELECT 'system', name, display_name, 'location', location FROM system WHERE parent IS NULL
UNION ALL
SELECT 'component', name, display_name, 'system', system FROM component WHERE system IS NOT NULL
UNION ALL
SELECT 'component', name, display_name, 'location', location FROM component WHERE system IS NULL
UNION ALL
SELECT 'node', name, display_name, 'location', location FROM node;

CREATE INDEX location_parent ON location (parent);
CREATE INDEX system_parent ON system (parent);
CREATE INDEX system_location_root ON system (location) WHERE parent IS NULL;
CREATE INDEX component_system ON component (system);
CREATE INDEX component_location_unsystemed ON component (location) WHERE system IS NULL;
CREATE INDEX node_location ON node (location);

-- Type-ahead search (name or display name contains the text, any case): each table is asked
-- (name || ' ' || display_name) ILIKE '%pump-1%', the expression of its trigram index, so a search
-- over thousands of entities is a bitmap index scan, not a scan of every row.
-- pg_trgm is a trusted contrib extension (Postgres 13+): the tenant's owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX location_search_trgm ON location USING gin ((name || ' ' || display_name) gin_trgm_ops);
CREATE INDEX system_search_trgm ON system USING gin ((name || ' ' || display_name) gin_trgm_ops);
CREATE INDEX component_search_trgm ON component USING gin ((name || ' ' || display_name) gin_trgm_ops);
CREATE INDEX node_search_trgm ON node USING gin ((name || ' ' || display_name) gin_trgm_ops);
