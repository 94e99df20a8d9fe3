-- The datapoint tables' foreign keys, checked once per statement instead of once per row.
--
-- `bench sink` measured raw COPY into a bare partitioned table (primary key only) at 41,888 rows/s,
-- the same with the two foreign keys (series_id, provenance) -> series and source_rule_id ->
-- source_rule at 12,733, and the real metric_datapoint at 12,059 (docs/bench/peers-sink.json,
-- docs/data-lane.md "Where the time goes"): the foreign keys were three quarters of the schema's
-- cost, the current-value statement trigger, the lineage CHECK and the partial indexes the rest. A
-- foreign key is a row trigger: every inserted row queues one event per constraint (four here,
-- the two event ids included even when NULL) and runs one SPI lookup with a row lock per non-NULL
-- key, although a 20,000-row batch names a few hundred series and one or two source rules.
--
-- The same guarantees, set-based:
--  * insert side: one statement trigger per table over the statement's own rows (the transition
--    table the current-value trigger already has) looks up each DISTINCT referenced key once and
--    locks it FOR KEY SHARE, exactly as the foreign key's lookup does, so a concurrent DELETE of a
--    series, source rule or event either waits for this transaction (and then sees its rows, below)
--    or wins, in which case the locked row is gone and this statement fails with 23503;
--  * referenced side: a DELETE of a series, source rule or event, or an UPDATE of a series' (id,
--    provenance), that leaves a datapoint without its row fails with 23503 too (a statement
--    trigger probing the datapoint tables' indexes: series_id leads the primary key, event ids
--    have partial indexes; source_rule_id has none, as before: a source rule is never deleted);
--  * TRUNCATE of source_rule is refused (series and event are still the target of other foreign
--    keys, which refuse it already);
--  * under REPEATABLE READ such a delete is refused outright: its snapshot could miss datapoints
--    committed after it began (a foreign key re-checks with a fresh snapshot; a trigger cannot).
-- The error is the foreign key's own (SQLSTATE 23503, "... violates foreign key constraint ...",
-- "Key (...)=(...) is not present in table ..."), so the sink's isolation of a refused row and every
-- caller that reads the code are unchanged. The names of the dropped constraints are kept in the
-- messages.
--
-- A side effect: attaching a new partition (og_create_partition, the backfill's on-demand days) no
-- longer clones four foreign keys, which took a SHARE ROW EXCLUSIVE lock on series, source_rule
-- and event, i.e. stalled every series creation and event insert while a day was made.

DO $$
DECLARE t text; c record;
BEGIN
    FOREACH t IN ARRAY ARRAY['metric_datapoint', 'state_datapoint', 'log_datapoint'] LOOP
        FOR c IN SELECT conname FROM pg_constraint
                 WHERE conrelid = t::regclass AND contype = 'f' AND conparentid = 0 LOOP
            EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', t, c.conname);
        END LOOP;
    END LOOP;
END $$;

-- insert side: one function for the three tables (their reference columns are the same)
-- SECURITY DEFINER as a foreign key's lookup is: row-level security on series (a scoped session)
-- must not make a referenced row look missing.
CREATE FUNCTION og_datapoint_references() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    bad_series bigint;
    bad_provenance provenance;
    bad_rule int;
    bad_event bigint;
    bad_column text;
BEGIN
    SELECT w.series_id, w.provenance INTO bad_series, bad_provenance
    FROM (SELECT DISTINCT series_id, provenance FROM new_rows) w
    LEFT JOIN LATERAL (SELECT true AS found FROM series s
                       WHERE s.id = w.series_id AND s.provenance = w.provenance FOR KEY SHARE) s ON true
    WHERE s.found IS NULL
    LIMIT 1;
    IF bad_series IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"',
                TG_TABLE_NAME, TG_TABLE_NAME || '_series_id_provenance_fkey'
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (series_id, provenance)=(%s, %s) is not present in table "series".', bad_series, bad_provenance);
    END IF;

    SELECT w.source_rule_id INTO bad_rule
    FROM (SELECT DISTINCT source_rule_id FROM new_rows WHERE source_rule_id IS NOT NULL) w
    LEFT JOIN LATERAL (SELECT true AS found FROM source_rule r WHERE r.id = w.source_rule_id FOR KEY SHARE) r ON true
    WHERE r.found IS NULL
    LIMIT 1;
    IF bad_rule IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"',
                TG_TABLE_NAME, TG_TABLE_NAME || '_source_rule_id_fkey'
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (source_rule_id)=(%s) is not present in table "source_rule".', bad_rule);
    END IF;

    -- event ids are rare (commands and their effects): most statements have none to look up
    SELECT w.id, w.col INTO bad_event, bad_column
    FROM (SELECT DISTINCT x.id, x.col FROM new_rows n
          CROSS JOIN LATERAL (VALUES (n.event_id, 'event_id'), (n.caused_by_event_id, 'caused_by_event_id')) x (id, col)
          WHERE (n.event_id IS NOT NULL OR n.caused_by_event_id IS NOT NULL) AND x.id IS NOT NULL) w
    LEFT JOIN LATERAL (SELECT true AS found FROM event e WHERE e.id = w.id FOR KEY SHARE) e ON true
    WHERE e.found IS NULL
    LIMIT 1;
    IF bad_event IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "%" violates foreign key constraint "%"',
                TG_TABLE_NAME, TG_TABLE_NAME || '_' || bad_column || '_fkey'
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME,
                  DETAIL = format('Key (%s)=(%s) is not present in table "event".', bad_column, bad_event);
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['metric_datapoint', 'state_datapoint', 'log_datapoint'] LOOP
        -- the datapoint tables refuse UPDATE (append-only), so INSERT is the only way a row arrives;
        -- named to fire before <t>_latest (triggers fire in name order), so a missing series is
        -- reported as this table's key, not as series_latest's
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION og_datapoint_references()', t || '_foreign_keys', t);
    END LOOP;
END $$;

-- referenced side: what a foreign key's ON DELETE / ON UPDATE NO ACTION did
CREATE FUNCTION og_refuse_orphaned_datapoints(p_table text, p_column text, p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t text;
    orphan bigint;
BEGIN
    IF cardinality(p_ids) = 0 THEN
        RETURN;
    END IF;
    -- Under REPEATABLE READ this check reads the transaction's snapshot, which cannot see datapoints
    -- committed since by a writer that held the row's key-share lock (a foreign key re-checks with
    -- a fresh snapshot there). Nothing in the core deletes these rows; a person who must, does it
    -- at READ COMMITTED (the default) or SERIALIZABLE, where the check is exact.
    IF current_setting('transaction_isolation') = 'repeatable read' THEN
        RAISE EXCEPTION 'a % row that datapoints may reference cannot be deleted or re-keyed under REPEATABLE READ', p_table
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'Use READ COMMITTED (the default) or SERIALIZABLE.';
    END IF;
    FOREACH t IN ARRAY ARRAY['metric_datapoint', 'state_datapoint', 'log_datapoint'] LOOP
        -- p_column is one of this file's constants; the ids are bound
        EXECUTE format('SELECT k FROM unnest($1) k WHERE EXISTS (SELECT 1 FROM %I d WHERE d.%I = k) LIMIT 1', t, p_column)
            INTO orphan USING p_ids;
        IF orphan IS NOT NULL THEN
            RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "%" on table "%"',
                    p_table, t || '_' || CASE p_column WHEN 'series_id' THEN 'series_id_provenance' ELSE p_column END || '_fkey', t
                USING ERRCODE = 'foreign_key_violation', TABLE = p_table,
                      DETAIL = format('Key (%s)=(%s) is still referenced from table "%s".', p_column, orphan, t);
        END IF;
    END LOOP;
END $$;

CREATE FUNCTION og_series_keep_datapoints() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM og_refuse_orphaned_datapoints('series', 'series_id', ARRAY(SELECT id FROM old_rows));
    ELSE
        -- only a changed (id, provenance) can orphan a datapoint; renames and the fused flag cannot
        PERFORM og_refuse_orphaned_datapoints('series', 'series_id', ARRAY(
            SELECT o.id FROM old_rows o
            WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id AND n.provenance = o.provenance)));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER series_keep_datapoints_delete AFTER DELETE ON series
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION og_series_keep_datapoints();
CREATE TRIGGER series_keep_datapoints_update AFTER UPDATE ON series
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION og_series_keep_datapoints();

CREATE FUNCTION og_source_rule_keep_datapoints() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM og_refuse_orphaned_datapoints('source_rule', 'source_rule_id', ARRAY(SELECT id::bigint FROM old_rows));
    ELSE
        PERFORM og_refuse_orphaned_datapoints('source_rule', 'source_rule_id', ARRAY(
            SELECT o.id::bigint FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id)));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER source_rule_keep_datapoints_delete AFTER DELETE ON source_rule
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION og_source_rule_keep_datapoints();
CREATE TRIGGER source_rule_keep_datapoints_update AFTER UPDATE ON source_rule
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION og_source_rule_keep_datapoints();
CREATE TRIGGER source_rule_no_truncate BEFORE TRUNCATE ON source_rule
    FOR EACH STATEMENT EXECUTE FUNCTION og_refuse_change();

CREATE FUNCTION og_event_keep_datapoints() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gone bigint[];
BEGIN
    IF TG_OP = 'DELETE' THEN
        gone := ARRAY(SELECT id FROM old_rows);
    ELSE
        gone := ARRAY(SELECT o.id FROM old_rows o WHERE NOT EXISTS (SELECT 1 FROM new_rows n WHERE n.id = o.id));
    END IF;
    PERFORM og_refuse_orphaned_datapoints('event', 'event_id', gone);
    PERFORM og_refuse_orphaned_datapoints('event', 'caused_by_event_id', gone);
    RETURN NULL;
END $$;
CREATE TRIGGER event_keep_datapoints_delete AFTER DELETE ON event
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION og_event_keep_datapoints();
CREATE TRIGGER event_keep_datapoints_update AFTER UPDATE ON event
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION og_event_keep_datapoints();
