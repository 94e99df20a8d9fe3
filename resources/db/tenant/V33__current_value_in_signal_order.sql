-- The current-value read model, third shape: the fleet read as one index-ordered scan
-- (docs/gateway.md "Current values").
--
-- Measured with V32 (bench gateway --explain, 100k series): the view joins series, series_latest
-- and datapoint_type with two hash joins and then sorts the whole fleet by (owner, key, ...):
-- ~90 ms of server time before the first row leaves. Here series_latest carries the signal's
-- identity itself (owner, key, instance, provenance, the fused flag), kept by triggers on series
-- and datapoint_type, and an index in the API's keyset order serves the fleet read and the point
-- read alike. The identity columns never change on the ingest path, so a new datapoint still
-- updates its latest row in place (HOT: no index entry is written) and the datapoint triggers do
-- the work they did before: this costs ingest nothing (bench sink: 0.88x raw COPY, was 0.84x). The
-- row is created with its series (ts null until the first datapoint); the view hides rows without
-- a datapoint, as the join did.

ALTER TABLE series_latest
    ALTER COLUMN ts DROP NOT NULL,
    ADD COLUMN owner             text COLLATE "C",
    ADD COLUMN owner_kind        owner_kind,
    ADD COLUMN key               text COLLATE "C",
    ADD COLUMN datapoint_type_id int,
    ADD COLUMN kind              datapoint_kind,
    ADD COLUMN unit              text,
    ADD COLUMN fusion_policy     fusion_policy,
    ADD COLUMN instance          text COLLATE "C",
    ADD COLUMN provenance        provenance,
    ADD COLUMN fused             boolean NOT NULL DEFAULT false;

-- Fills the identity of the given series' latest rows, creating the rows that are missing.
-- Used here, by the series triggers and by the boot phase (which heals rows left without an
-- identity by a writer that bypassed the triggers, e.g. session_replication_role = replica).
CREATE FUNCTION og_latest_identity(p_series bigint[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO series_latest AS l (series_id, owner, owner_kind, key, datapoint_type_id, kind, unit, fusion_policy,
                                    instance, provenance, fused)
    SELECT s.id, s.owner, s.owner_kind, t.name, s.datapoint_type_id, t.kind, t.unit, t.fusion_policy,
           s.instance, s.provenance, s.fused
    FROM series s JOIN datapoint_type t ON t.id = s.datapoint_type_id
    WHERE s.id = ANY (p_series)
    ON CONFLICT (series_id) DO UPDATE SET
        owner = excluded.owner, owner_kind = excluded.owner_kind, key = excluded.key,
        datapoint_type_id = excluded.datapoint_type_id, kind = excluded.kind, unit = excluded.unit,
        fusion_policy = excluded.fusion_policy, instance = excluded.instance,
        provenance = excluded.provenance, fused = excluded.fused
    WHERE (l.owner, l.owner_kind, l.key, l.datapoint_type_id, l.kind, l.unit, l.fusion_policy, l.instance,
           l.provenance, l.fused)
          IS DISTINCT FROM
          (excluded.owner, excluded.owner_kind, excluded.key, excluded.datapoint_type_id, excluded.kind,
           excluded.unit, excluded.fusion_policy, excluded.instance, excluded.provenance, excluded.fused)
$$;

SELECT og_latest_identity(array_agg(id)) FROM series;

CREATE INDEX series_latest_signal ON series_latest (owner, key, instance, provenance, series_id);

-- The datapoint triggers of V1, unchanged but for a latest row that has no datapoint yet.
CREATE OR REPLACE FUNCTION og_latest_metric() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO series_latest AS l (series_id, ts, value_num)
    SELECT DISTINCT ON (series_id) series_id, ts, value FROM new_rows ORDER BY series_id, ts DESC
    ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value_num = excluded.value_num
        WHERE l.ts IS NULL OR l.ts < excluded.ts;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION og_latest_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO series_latest AS l (series_id, ts, value_text)
    SELECT DISTINCT ON (series_id) series_id, ts, value FROM new_rows ORDER BY series_id, ts DESC
    ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value_text = excluded.value_text
        WHERE l.ts IS NULL OR l.ts < excluded.ts;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION og_latest_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO series_latest AS l (series_id, ts, value_text, severity)
    SELECT DISTINCT ON (series_id) series_id, ts, message, severity FROM new_rows ORDER BY series_id, ts DESC
    ON CONFLICT (series_id) DO UPDATE SET ts = excluded.ts, value_text = excluded.value_text, severity = excluded.severity
        WHERE l.ts IS NULL OR l.ts < excluded.ts;
    RETURN NULL;
END $$;

-- One statement trigger for series inserts and updates: the latest row's identity first (a
-- component rename cascades into series.owner, the fusion flag below updates series.fused), then
-- the fusion flag of V32. The flag's own UPDATE re-enters this function one level down, where only
-- the identity step runs.
CREATE OR REPLACE FUNCTION og_series_flag_fused() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM og_latest_identity(ARRAY(SELECT id FROM changed_series));
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1 THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('og_series_flag_fused'));
    UPDATE series s SET fused = true
    FROM (SELECT s2.owner, s2.datapoint_type_id, s2.instance, s2.provenance
          FROM (SELECT DISTINCT owner, datapoint_type_id, instance, provenance FROM changed_series) c
          JOIN series s2 ON s2.owner = c.owner AND s2.datapoint_type_id = c.datapoint_type_id
                        AND s2.instance = c.instance AND s2.provenance = c.provenance
          GROUP BY s2.owner, s2.datapoint_type_id, s2.instance, s2.provenance
          HAVING count(*) > 1) g
    WHERE s.owner = g.owner AND s.datapoint_type_id = g.datapoint_type_id
      AND s.instance = g.instance AND s.provenance = g.provenance AND NOT s.fused;
    RETURN NULL;
END $$;

-- a key renamed, or given another unit or fusion policy, changes the latest rows of its series
CREATE FUNCTION og_datapoint_type_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM og_latest_identity(ARRAY(
        SELECT s.id FROM series s JOIN changed_types c ON c.id = s.datapoint_type_id));
    RETURN NULL;
END $$;
CREATE TRIGGER datapoint_type_changed AFTER UPDATE ON datapoint_type
    REFERENCING NEW TABLE AS changed_types FOR EACH STATEMENT EXECUTE FUNCTION og_datapoint_type_changed();

-- Groups of several sources, fused: each with its freshest series (ts, then series_id), which
-- represents the group in current_value (its own ts, text and severity are the group's).
CREATE INDEX series_latest_fused ON series_latest (owner, key, instance, provenance) WHERE fused;

CREATE VIEW current_value_fused_group WITH (security_invoker = true) AS
SELECT owner, key, instance, provenance, datapoint_type_id,
       max(value_num)                                                  AS max_num,
       min(value_num)                                                  AS min_num,
       avg(value_num)                                                  AS mean_num,
       count(*)                                                        AS source_count,
       (array_agg(series_id ORDER BY ts DESC, series_id DESC))[1]      AS series_id
FROM series_latest
WHERE fused AND ts IS NOT NULL
GROUP BY owner, key, instance, provenance, datapoint_type_id;

-- Same columns as before plus datapoint_type_id at the end (the compact wire form names each
-- key's type once instead of repeating kind, unit and fusion policy on every row).
--
-- One read of series_latest in the API's order (series_latest_signal), the rare fused groups
-- merged in beside it: the fleet is never sorted. Not a UNION ALL: Postgres 17 gives a UNION ALL
-- branch that has a WHERE clause no index-ordered path, so V32's shape always sorted the fleet.
-- A fused group shows as its freshest series with the group's number and source count.
-- (dropped and created: its text columns now carry collation "C", which OR REPLACE cannot change)
DROP VIEW current_value;
CREATE VIEW current_value WITH (security_invoker = true) AS
SELECT l.owner,
       l.owner_kind,
       l.key,
       l.kind,
       l.unit,
       l.instance,
       l.provenance,
       l.fusion_policy,
       CASE WHEN f.series_id IS NULL THEN l.value_num
            ELSE CASE l.fusion_policy
                     WHEN 'max'  THEN f.max_num
                     WHEN 'min'  THEN f.min_num
                     WHEN 'mean' THEN f.mean_num
                     ELSE l.value_num
                 END
       END                           AS value_num,
       l.value_text,
       l.severity,
       l.ts,
       coalesce(f.source_count, 1)   AS source_count,
       l.series_id,
       l.datapoint_type_id
FROM series_latest l
LEFT JOIN current_value_fused_group f
       ON f.owner = l.owner AND f.key = l.key AND f.instance = l.instance
      AND f.provenance = l.provenance AND f.datapoint_type_id = l.datapoint_type_id
WHERE l.ts IS NOT NULL
  AND (NOT l.fused OR f.series_id = l.series_id);
