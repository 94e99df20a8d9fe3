-- The data lifecycle (docs/lifecycle.md): retention policies resolved by cascade, partitions made on
-- demand for backfill, and the manifest of the cold tier (Parquet files that count).

-- A tenant's retention overrides. The global defaults are the control setting 'retention.default';
-- a row here with neither datapoint_type nor owner overrides the default for the whole table, one
-- with a datapoint_type (the key's name: its class) overrides the table for that class, one with an
-- owner overrides both for that entity. Each of hot, keep and tier may be left null: the next less
-- specific level then decides that value.
CREATE TABLE retention_policy (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name     text NOT NULL CHECK (table_name IN ('metric_datapoint', 'state_datapoint', 'log_datapoint',
                       'audit_log', 'session_log', 'internal_log', 'collection_log', 'node_log')),
    datapoint_type text,
    owner          text,
    hot            interval CHECK (hot >= interval '1 day'),
    keep           interval CHECK (keep >= interval '1 day'),
    tier           text CHECK (tier IN ('parquet', 'none')),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text NOT NULL DEFAULT 'system',
    CHECK (num_nonnulls(datapoint_type, owner) <= 1),
    CHECK (hot IS NULL OR keep IS NULL OR hot <= keep),
    UNIQUE NULLS NOT DISTINCT (table_name, datapoint_type, owner)
);

-- The cold tier's manifest: a Parquet file counts when (and only when) its row is here. The row is
-- committed in the transaction that drops the partition it was written from, so a crash leaves
-- either the partition (and an ignored stray file) or the file (and no partition), never both.
CREATE TABLE cold_file (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    table_name text NOT NULL CHECK (table_name IN ('metric_datapoint', 'state_datapoint', 'log_datapoint')),
    day        date NOT NULL,
    path       text NOT NULL UNIQUE,       -- relative to the cold root: <tenant>/<table>/<day>/<file>.parquet
    row_count  bigint NOT NULL CHECK (row_count >= 0),
    checksum   text NOT NULL,               -- og_partition_checksum of the rows, equal to the file's
    bytes      bigint NOT NULL CHECK (bytes >= 0),
    min_ts     timestamptz,
    max_ts     timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cold_file_day ON cold_file (table_name, day);

-- One day's partition of one datapoint table, made without locking the live lane out: the table is
-- created standalone with a CHECK matching its bounds, then attached (ATTACH takes SHARE UPDATE
-- EXCLUSIVE on the parent, which does not conflict with inserts, and the CHECK spares it the scan).
-- Idempotent and safe to race (a per-partition advisory lock). Returns whether it made the partition.
CREATE FUNCTION og_create_partition(p_table text, p_day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    part text := p_table || '_p' || to_char(p_day, 'YYYYMMDD');
    lo timestamptz := p_day::timestamp AT TIME ZONE 'UTC';
    hi timestamptz := (p_day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
    IF p_table NOT IN ('metric_datapoint', 'state_datapoint', 'log_datapoint') THEN
        RAISE EXCEPTION 'not a datapoint table: %', p_table USING ERRCODE = 'invalid_parameter_value';
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

-- Partitions ahead (and behind) now go through og_create_partition, one short lock per partition
-- instead of one advisory lock over the whole range.
CREATE OR REPLACE FUNCTION og_ensure_partitions(p_from date, p_to date) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
    t text; d date; created int := 0;
BEGIN
    FOREACH t IN ARRAY ARRAY['metric_datapoint', 'state_datapoint', 'log_datapoint'] LOOP
        d := p_from;
        WHILE d <= p_to LOOP
            IF og_create_partition(t, d) THEN
                created := created + 1;
            END IF;
            d := d + 1;
        END LOOP;
    END LOOP;
    RETURN created;
END $$;

-- The days a datapoint table has a partition for (partitions may now have gaps: backfill makes
-- single days, upkeep drops aged ones).
CREATE FUNCTION og_partition_days(p_table text) RETURNS TABLE (day date, partition_name text) LANGUAGE sql STABLE AS $$
    SELECT to_date(substring(c.relname from '_p(\d{8})$'), 'YYYYMMDD'), c.relname::text
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = to_regclass(p_table) AND c.relname ~ '_p\d{8}$'
    ORDER BY 1
$$;
