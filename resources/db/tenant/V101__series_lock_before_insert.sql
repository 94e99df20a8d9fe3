-- Series creation took og_series_flag_fused's advisory lock only in its AFTER trigger, once the
-- statement's rows (and their unique-index entries) were written. Two sinks or a sink and the rules
-- creating overlapping series at once then waited on each other's rows and each other's lock:
-- "deadlock detected" when many tenants began publishing at once (docs/fleet.md). The same lock is
-- now taken before a statement touches a row; the AFTER trigger takes it again (re-entrant), so the
-- statements that create or rename series run one after another. They are rare (new signals).
CREATE FUNCTION og_series_lock_first() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('og_series_flag_fused'));
    RETURN NULL;
END $$;

CREATE TRIGGER series_lock_first BEFORE INSERT OR UPDATE ON series
    FOR EACH STATEMENT EXECUTE FUNCTION og_series_lock_first();
