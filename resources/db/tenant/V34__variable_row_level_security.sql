-- Variables (and the sealed secrets among them) get the same row-level security as the other
-- owner-bearing tables (V30): a location- or system-scoped request sees only its subtree's
-- variables even if the gateway forgot to narrow a query.
ALTER TABLE variable ENABLE ROW LEVEL SECURITY;
CREATE POLICY og_scope ON variable TO og_scoped USING (
    (SELECT og_scope_kind()) = 'tenant'
    OR location_id = ANY ((SELECT og_scope_locations())::text[])
    OR system_id = ANY ((SELECT og_scope_systems())::text[])
    OR component_id = ANY ((SELECT og_scope_components())::text[])
    OR node_id = ANY ((SELECT og_scope_nodes())::text[]));
