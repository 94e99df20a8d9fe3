-- The current-value fast path, second shape (replaces V31's; docs/gateway.md "Current values").
--
-- Measured (bench gateway --explain, 100k series): V31 excluded multi-source groups with an
-- anti-join, which forces a hash over all series and then a full sort of the fleet, and was no
-- faster than the V1 aggregate. Plain series JOIN series_latest ordered by owner, however, runs as
-- an index-ordered scan of series_owner with an incremental sort and costs about a third. So the
-- single-source test is now a flag on the series row itself (a filter, which keeps the index
-- order) and the view is a UNION ALL the planner can merge in order: single-source series as they
-- are, plus the fusion aggregate over flagged series only.

ALTER TABLE series ADD COLUMN fused boolean NOT NULL DEFAULT false;

UPDATE series s SET fused = true
FROM (SELECT owner, datapoint_type_id, instance, provenance FROM series
      GROUP BY owner, datapoint_type_id, instance, provenance HAVING count(*) > 1) g
WHERE s.owner = g.owner AND s.datapoint_type_id = g.datapoint_type_id
  AND s.instance = g.instance AND s.provenance = g.provenance;

CREATE OR REPLACE VIEW current_value WITH (security_invoker = true) AS
SELECT s.owner,
       s.owner_kind,
       t.name              AS key,
       t.kind,
       t.unit,
       s.instance,
       s.provenance,
       t.fusion_policy,
       l.value_num,
       l.value_text,
       l.severity,
       l.ts,
       1::bigint           AS source_count,
       s.id                AS series_id
FROM series s
JOIN series_latest l ON l.series_id = s.id
JOIN datapoint_type t ON t.id = s.datapoint_type_id
WHERE NOT s.fused
UNION ALL
SELECT s.owner,
       s.owner_kind,
       t.name,
       t.kind,
       t.unit,
       s.instance,
       s.provenance,
       t.fusion_policy,
       CASE t.fusion_policy
           WHEN 'max'  THEN max(l.value_num)
           WHEN 'min'  THEN min(l.value_num)
           WHEN 'mean' THEN avg(l.value_num)
           ELSE (array_agg(l.value_num ORDER BY l.ts DESC))[1]
       END,
       (array_agg(l.value_text ORDER BY l.ts DESC))[1],
       (array_agg(l.severity ORDER BY l.ts DESC))[1],
       max(l.ts),
       count(*),
       (array_agg(s.id ORDER BY l.ts DESC))[1]
FROM series s
JOIN series_latest l ON l.series_id = s.id
JOIN datapoint_type t ON t.id = s.datapoint_type_id
WHERE s.fused
GROUP BY s.owner, s.owner_kind, t.id, t.name, t.kind, t.unit, t.fusion_policy, s.instance, s.provenance;

DROP TRIGGER series_fused_groups_insert ON series;
DROP TRIGGER series_fused_groups_update ON series;
DROP FUNCTION og_series_fused_groups();
DROP TABLE series_fused_group;

-- Flags every series of a group that now has more than one source. The advisory lock serialises
-- series creation (rare: new signals) so two transactions adding two sources of one group cannot
-- both miss each other (each statement below takes its snapshot after the lock). A flag left on a
-- series after a rename is harmless: fusing a group of one gives the single-source answer. This
-- function's own UPDATE re-enters it as an UPDATE one trigger level down, which returns at once.
CREATE FUNCTION og_series_flag_fused() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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

CREATE TRIGGER series_flag_fused_insert AFTER INSERT ON series
    REFERENCING NEW TABLE AS changed_series FOR EACH STATEMENT EXECUTE FUNCTION og_series_flag_fused();
CREATE TRIGGER series_flag_fused_update AFTER UPDATE ON series
    REFERENCING NEW TABLE AS changed_series FOR EACH STATEMENT EXECUTE FUNCTION og_series_flag_fused();
