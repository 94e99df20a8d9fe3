-- A counter of record-lane statements, so that CDC can tell that a tenant wrote nothing to its
-- record lane over a stretch of WAL without decoding it (docs/cdc.md#skipping-other-databases-wal).
--
-- A logical slot decodes the whole server's WAL: while one tenant replays millions of datapoints,
-- every other tenant's slot has to read past that WAL, about 1 ms of CPU per MB each. When this
-- counter has not moved, a slot far behind is replaced by a new one at the current position instead.
--
-- A sequence, not a table: nextval is not transactional, so a reader sees the calls of uncommitted
-- transactions too (which only makes the check more cautious), and it never waits for a lock.
-- CACHE 1 so that every backend's call is visible at once in last_value; after a crash the value
-- only jumps up (Postgres logs sequences ahead), which again only makes the check more cautious.
-- The triggers that call it are ensured by the boot phase on every record-lane table (so a table
-- added later gets one too), like the publication.

CREATE SEQUENCE og_cdc_writes CACHE 1;

CREATE FUNCTION og_cdc_wrote() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('og_cdc_writes');
    RETURN NULL;
END
$$;
