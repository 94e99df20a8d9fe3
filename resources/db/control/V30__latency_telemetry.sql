-- Query-latency telemetry of the Storage Gateway: one HdrHistogram per (tenant, action, hour) and
-- core instance (each instance owns its rows, so no cross-instance merge-on-write is needed; the
-- heatmap adds them up), plus the slowest statements of each hour for drill-down.

CREATE TABLE latency_hour (
    hour         timestamptz NOT NULL CHECK (date_trunc('hour', hour) = hour),
    tenant_slug  text NOT NULL,                 -- '' for queries outside any tenant
    action       text NOT NULL,
    instance_id  text NOT NULL,
    sample_count bigint NOT NULL CHECK (sample_count >= 0),
    max_us       bigint NOT NULL,
    -- HdrHistogram compressed encoding (values in microseconds)
    histogram    bytea NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (hour, tenant_slug, action, instance_id)
);
CREATE INDEX latency_hour_tenant ON latency_hour (tenant_slug, hour);

CREATE TABLE latency_slow_statement (
    hour        timestamptz NOT NULL,
    tenant_slug text NOT NULL,
    action      text NOT NULL,
    instance_id text NOT NULL,
    rank        int NOT NULL CHECK (rank > 0),
    duration_us bigint NOT NULL,
    ts          timestamptz NOT NULL,
    -- the statement with its bind markers: values are never inlined (they may be secrets or PII)
    sql         text NOT NULL,
    PRIMARY KEY (hour, tenant_slug, action, instance_id, rank)
);
