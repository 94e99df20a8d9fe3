-- Audit attribution by principal id (issue 16, finding 10): the name in `actor` is a label chosen
-- when the token was issued; `actor_id` is the control database's principal id, which is what a
-- scoped token's "own actions" read filters on. NULL for the core's own work and for rows written
-- before this migration.
ALTER TABLE audit_log ADD COLUMN actor_id bigint;
CREATE INDEX audit_log_actor_id ON audit_log (actor_id, id) WHERE actor_id IS NOT NULL;
