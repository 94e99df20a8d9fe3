-- The *_log tables become partitioned by ts, so their retention drops them whole like the datapoint
-- tables (never a DELETE: they are append-only). audit_log by month (kept for years: a few dozen
-- partitions), the others by day. No default partition: the upkeep and the boot phase make them
-- ahead (og_ensure_partitions), and every log row is written at now().
--
-- Each table is recreated under its own name with a primary key (id, ts) (a partitioned table's
-- keys must contain the partition key), its rows moved with their ids, its identity continued,
-- its indexes, foreign keys and append-only triggers made on the parent (PostgreSQL clones them
-- onto every partition). The CDC publication is re-pointed by the boot phase, with
-- publish_via_partition_root, so changes keep arriving under the table's own name. Moving the rows
-- is not published: the new table is not in the publication when they are written.

-- ---------------------------------------------------------------- partition bounds per table

CREATE FUNCTION og_partition_start(p_table text, p_day date) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_table = 'audit_log' THEN date_trunc('month', p_day)::date ELSE p_day END
$$;

CREATE FUNCTION og_partition_end(p_table text, p_day date) RETURNS date LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN p_table = 'audit_log' THEN (date_trunc('month', p_day) + interval '1 month')::date
                ELSE p_day + 1 END
$$;

-- As in V80 (created standalone with a CHECK, then attached: no lock against the live inserts),
-- for the log tables too, with their bounds.
CREATE OR REPLACE FUNCTION og_create_partition(p_table text, p_day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    d date := og_partition_start(p_table, p_day);
    part text := p_table || '_p' || to_char(d, 'YYYYMMDD');
    lo timestamptz := d::timestamp AT TIME ZONE 'UTC';
    hi timestamptz := og_partition_end(p_table, d)::timestamp AT TIME ZONE 'UTC';
BEGIN
    IF p_table NOT IN ('metric_datapoint', 'state_datapoint', 'log_datapoint',
                       'audit_log', 'session_log', 'internal_log', 'collection_log', 'node_log') THEN
        RAISE EXCEPTION 'not a partitioned table: %', p_table USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('og_partition:' || part));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part, p_table);
    EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I CHECK (ts >= %L AND ts < %L)', part, part || '_bounds', lo, hi);
    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', p_table, part, lo, hi);
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', part, part || '_bounds');
    EXECUTE format('REVOKE ALL ON %I FROM og_scoped', part);
    RETURN true;
END $$;

CREATE OR REPLACE FUNCTION og_ensure_partitions(p_from date, p_to date) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    t text; d date; created int := 0;
BEGIN
    FOREACH t IN ARRAY ARRAY['metric_datapoint', 'state_datapoint', 'log_datapoint',
                             'audit_log', 'session_log', 'internal_log', 'collection_log', 'node_log'] LOOP
        d := og_partition_start(t, p_from);
        WHILE d <= p_to LOOP
            IF og_create_partition(t, d) THEN
                created := created + 1;
            END IF;
            d := og_partition_end(t, d);
        END LOOP;
    END LOOP;
    RETURN created;
END $$;

-- ---------------------------------------------------------------- the tables, recreated

DROP VIEW session;

ALTER TABLE audit_log RENAME TO audit_log_unpartitioned;
ALTER TABLE session_log RENAME TO session_log_unpartitioned;
ALTER TABLE internal_log RENAME TO internal_log_unpartitioned;
ALTER TABLE collection_log RENAME TO collection_log_unpartitioned;
ALTER TABLE node_log RENAME TO node_log_unpartitioned;

DO $$
DECLARE t text; i record;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit_log', 'session_log', 'internal_log', 'collection_log', 'node_log'] LOOP
        -- free the names of the old indexes and constraints for the new table's
        FOR i IN SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
                 WHERE x.indrelid = (t || '_unpartitioned')::regclass LOOP
            EXECUTE format('ALTER INDEX %I RENAME TO %I', i.relname, i.relname || '_unpartitioned');
        END LOOP;
    END LOOP;
END $$;

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY,
    ts             timestamptz NOT NULL DEFAULT now(),
    actor          text NOT NULL,
    verb           text NOT NULL,
    resource       text NOT NULL,
    old            jsonb,
    new            jsonb,
    correlation_id text,
    actor_id       bigint,
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX audit_log_ts ON audit_log (ts, id);
CREATE INDEX audit_log_resource ON audit_log (resource, ts);
CREATE INDEX audit_log_actor_id ON audit_log (actor_id, id) WHERE actor_id IS NOT NULL;

CREATE TABLE session_log (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    ts        timestamptz NOT NULL DEFAULT now(),
    node      text NOT NULL REFERENCES node (name) ON UPDATE CASCADE,
    interface text NOT NULL,
    status    text NOT NULL CHECK (status IN ('opened', 'activity', 'command', 'error', 'closed')),
    detail    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX session_log_node ON session_log (node, interface, ts);

CREATE TABLE internal_log (
    id        bigint GENERATED ALWAYS AS IDENTITY,
    ts        timestamptz NOT NULL DEFAULT now(),
    subsystem text NOT NULL,
    level     severity NOT NULL DEFAULT 'info',
    message   text NOT NULL,
    detail    jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX internal_log_ts ON internal_log (ts);

CREATE TABLE collection_log (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    ts          timestamptz NOT NULL DEFAULT now(),
    task        text NOT NULL,
    node        text REFERENCES node (name) ON UPDATE CASCADE,
    status      text NOT NULL CHECK (status IN ('ok', 'partial', 'failed')),
    duration_ms int NOT NULL DEFAULT 0,
    detail      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX collection_log_ts ON collection_log (ts);

CREATE TABLE node_log (
    id      bigint GENERATED ALWAYS AS IDENTITY,
    ts      timestamptz NOT NULL DEFAULT now(),
    node    text NOT NULL REFERENCES node (name) ON UPDATE CASCADE,
    level   severity NOT NULL DEFAULT 'info',
    message text NOT NULL,
    detail  jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (id, ts)
) PARTITION BY RANGE (ts);
CREATE INDEX node_log_node ON node_log (node, ts);

-- ---------------------------------------------------------------- rows moved, identities continued

DO $$
DECLARE t text; lo date; hi date; d date; last bigint;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit_log', 'session_log', 'internal_log', 'collection_log', 'node_log'] LOOP
        EXECUTE format('SELECT min(ts)::date, max(ts)::date, max(id) FROM %I', t || '_unpartitioned') INTO lo, hi, last;
        IF lo IS NOT NULL THEN
            -- the days (months) that have rows; gaps need no partition
            FOR d IN EXECUTE format('SELECT DISTINCT og_partition_start(%L, (ts AT TIME ZONE ''UTC'')::date) FROM %I',
                                    t, t || '_unpartitioned') LOOP
                PERFORM og_create_partition(t, d);
            END LOOP;
            EXECUTE format('INSERT INTO %I OVERRIDING SYSTEM VALUE SELECT * FROM %I', t, t || '_unpartitioned');
            PERFORM setval(pg_get_serial_sequence(t, 'id'), last);
        END IF;
        EXECUTE format('DROP TABLE %I', t || '_unpartitioned');
    END LOOP;
END $$;

-- the logs' partitions of today and a week ahead (from then on the boot phase and the upkeep keep
-- them ahead, with the datapoint tables')
DO $$
DECLARE t text; d date;
BEGIN
    FOREACH t IN ARRAY ARRAY['audit_log', 'session_log', 'internal_log', 'collection_log', 'node_log'] LOOP
        FOR d IN SELECT generate_series(0, 7) + (now() AT TIME ZONE 'UTC')::date LOOP
            PERFORM og_create_partition(t, d);
        END LOOP;
    END LOOP;
END $$;

-- ---------------------------------------------------------------- append-only, as before

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION og_audit_append_only();
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['session_log', 'internal_log', 'collection_log', 'node_log'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION og_refuse_change()', t || '_append_only', t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['audit_log', 'session_log', 'internal_log', 'collection_log', 'node_log'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION og_refuse_change()', t || '_no_truncate', t);
    END LOOP;
END $$;

-- ---------------------------------------------------------------- the session view, as in V1 and V30

CREATE VIEW session AS
WITH last_open AS (
    SELECT node, interface, max(ts) AS opened_at
    FROM session_log WHERE status = 'opened'
    GROUP BY node, interface
)
SELECT o.node,
       o.interface,
       o.opened_at,
       max(s.ts)                                          AS last_activity_at,
       (array_agg(s.status ORDER BY s.ts DESC, s.id DESC))[1] AS status,
       count(*) FILTER (WHERE s.status = 'command')       AS command_count,
       count(*) FILTER (WHERE s.status = 'error')         AS error_count
FROM last_open o
JOIN session_log s ON s.node = o.node AND s.interface = o.interface AND s.ts >= o.opened_at
GROUP BY o.node, o.interface, o.opened_at;
ALTER VIEW session SET (security_invoker = true);
