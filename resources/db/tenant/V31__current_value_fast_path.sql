-- The current-value read model, tuned for the fleet read (docs/gateway.md "Current values").
--
-- The V1 view groups every series by (owner, key, instance, provenance) and fuses each group with
-- four ordered array_agg calls: ~40 ms per 10k series, i.e. ~0.4 s for a 100k-series fleet, even
-- though almost every group has exactly one source. Here the groups with two or more sources are
-- recorded in series_fused_group (maintained on series insert/update, which is rare: new signals,
-- renames); single-source series bypass the aggregation entirely (a hash anti-join against that
-- small table), and only real multi-source groups pay for fusion. Same columns, same semantics.

CREATE TABLE series_fused_group (
    owner             text NOT NULL,
    datapoint_type_id int NOT NULL,
    instance          text NOT NULL,
    provenance        provenance NOT NULL,
    PRIMARY KEY (owner, datapoint_type_id, instance, provenance)
);

INSERT INTO series_fused_group (owner, datapoint_type_id, instance, provenance)
SELECT owner, datapoint_type_id, instance, provenance
FROM series GROUP BY owner, datapoint_type_id, instance, provenance HAVING count(*) > 1;

-- Marks the groups that now have more than one series. The advisory lock serialises series
-- creation (rare) so two transactions adding the two sources of one group cannot both miss each
-- other; each statement below runs on a snapshot taken after the lock. A group left marked after
-- a rename is harmless: fusing a group of one gives the single-source answer.
CREATE FUNCTION og_series_fused_groups() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('og_series_fused_group'));
    INSERT INTO series_fused_group (owner, datapoint_type_id, instance, provenance)
    SELECT s.owner, s.datapoint_type_id, s.instance, s.provenance
    FROM (SELECT DISTINCT owner, datapoint_type_id, instance, provenance FROM changed_series) c
    JOIN series s ON s.owner = c.owner AND s.datapoint_type_id = c.datapoint_type_id
                 AND s.instance = c.instance AND s.provenance = c.provenance
    GROUP BY s.owner, s.datapoint_type_id, s.instance, s.provenance
    HAVING count(*) > 1
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER series_fused_groups_insert AFTER INSERT ON series
    REFERENCING NEW TABLE AS changed_series FOR EACH STATEMENT EXECUTE FUNCTION og_series_fused_groups();
CREATE TRIGGER series_fused_groups_update AFTER UPDATE ON series
    REFERENCING NEW TABLE AS changed_series FOR EACH STATEMENT EXECUTE FUNCTION og_series_fused_groups();

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
WHERE NOT EXISTS (SELECT 1 FROM series_fused_group g
                  WHERE g.owner = s.owner AND g.datapoint_type_id = s.datapoint_type_id
                    AND g.instance = s.instance AND g.provenance = s.provenance)
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
JOIN series_fused_group g ON g.owner = s.owner AND g.datapoint_type_id = s.datapoint_type_id
                         AND g.instance = s.instance AND g.provenance = s.provenance
JOIN series_latest l ON l.series_id = s.id
JOIN datapoint_type t ON t.id = s.datapoint_type_id
GROUP BY s.owner, s.owner_kind, t.id, t.name, t.kind, t.unit, t.fusion_policy, s.instance, s.provenance;
