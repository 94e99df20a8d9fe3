-- Hourly rollups of the cold tier (docs/lifecycle.md, "Rollups"): beside each metric day's Parquet
-- file the tiering writes a second one holding, per series and UTC hour, count, sum, min, max and
-- the first and last value with their times. The manifest row names both files; it is committed
-- with the partition's drop as before, so a rollup counts exactly when its day's file does. Files
-- tiered before this migration have none (reads fall back to the raw file).
ALTER TABLE cold_file ADD COLUMN rollup_path text UNIQUE;     -- relative to the cold root, like path
ALTER TABLE cold_file ADD COLUMN rollup_rows bigint CHECK (rollup_rows >= 0);
ALTER TABLE cold_file ADD COLUMN rollup_bytes bigint CHECK (rollup_bytes >= 0);
