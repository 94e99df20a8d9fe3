-- Retention defaults per append-only table gain a hot period and a cold tier (docs/lifecycle.md):
-- each value is {"hot": interval, "keep": interval, "tier": "parquet"|"none"}. The accepted
-- window of the data lane now follows retention, so its 'past' bound goes (an operator may still
-- set one to narrow it). Only the values as shipped are replaced; an operator's edit stays.
UPDATE setting SET value = '{
    "metric_datapoint": {"hot": "7 days",  "keep": "90 days",  "tier": "parquet"},
    "state_datapoint":  {"hot": "30 days", "keep": "365 days", "tier": "parquet"},
    "log_datapoint":    {"hot": "30 days", "keep": "365 days", "tier": "parquet"},
    "audit_log":        {"keep": "7 years", "tier": "none"},
    "session_log":      {"keep": "90 days", "tier": "none"},
    "internal_log":     {"keep": "14 days", "tier": "none"},
    "collection_log":   {"keep": "90 days", "tier": "none"},
    "node_log":         {"keep": "90 days", "tier": "none"}
}'::jsonb, updated_at = now()
WHERE key = 'retention.default'
  AND value = '{"metric_datapoint": "30 days", "state_datapoint": "180 days", "log_datapoint": "180 days", "audit_log": "7 years", "internal_log": "14 days"}'::jsonb;

UPDATE setting SET value = '{"future": "1 day"}'::jsonb, updated_at = now()
WHERE key = 'ingest.accepted_window' AND value = '{"past": "7 days", "future": "1 day"}'::jsonb;
