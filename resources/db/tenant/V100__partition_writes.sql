-- When the sink last wrote into a day that is not today's (backfill): the upkeep tiers or drops a
-- day only after it has been quiet for a grace period, so a replay is never raced for the days it
-- is writing (docs/fleet.md, "Backfill and tiering"). Live traffic (today, yesterday) never writes
-- here; a replay writes one row per day it touches, at most once a minute per day and core.
CREATE TABLE partition_write (
    table_name    text NOT NULL CHECK (table_name IN ('metric_datapoint', 'state_datapoint', 'log_datapoint')),
    day           date NOT NULL,
    last_write_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (table_name, day)
);
