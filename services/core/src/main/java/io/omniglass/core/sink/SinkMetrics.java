package io.omniglass.core.sink;

import io.omniglass.api.lane.DlqReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import io.omniglass.core.telemetry.RecentCount;
import io.omniglass.core.telemetry.StageTimer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sink's figures in /metrics, per tenant: og_sink_rows_written_total (rate() gives rows/s),
 * og_sink_duplicates_total, og_sink_dlq_total{reason}, og_sink_batch_rows, og_sink_commit_seconds,
 * the stages of a batch (og_sink_inbox_wait, _prepare, _handoff_wait, _commit, _stored_to_ack: count, sum,
 * max, and their recent p50/p99 as og_sink_..._recent_seconds{quantile}), og_sink_pending_messages (consumer lag, refreshed every few seconds); for the fleet health board
 * (fleet/) og_sink_ingest_rate, og_sink_dlq_last_day and og_sink_newest_datapoint_timestamp_seconds,
 * counted as batches commit (no timer).
 */
final class SinkMetrics {

    private final MeterRegistry registry;
    private final String tenant;
    final Counter rowsWritten;
    final Counter duplicates;
    final Counter messages;
    final DistributionSummary batchRows;
    final StageTimer commit;
    /** The stages of a batch, from its oldest message's storing in JetStream to its ack (what a live datapoint waits). */
    final StageTimer inboxWait;
    final StageTimer prepare;
    /** The part of {@link #prepare} that works out the direct COPY (sorted, encoded), off the writer's turn. */
    final Timer plan;
    final StageTimer handoffWait;
    final StageTimer storedToAck;
    /** A writing turn whole (partitions, COPY, commit, dead letters, acks): what the writer is busy with, beside its waits. */
    final Timer write;
    final AtomicLong pending = new AtomicLong();
    final AtomicLong ackPending = new AtomicLong();
    private final Map<DlqReason, Counter> dlq = new ConcurrentHashMap<>();
    final RecentCount rowsLastMinute = new RecentCount(Duration.ofMinutes(1), 60);
    final RecentCount dlqLastDay = new RecentCount(Duration.ofDays(1), 96);
    /** Epoch microseconds of the newest datapoint this core stored for the tenant; 0: none since it started. */
    final AtomicLong newestMicros = new AtomicLong();

    SinkMetrics(MeterRegistry registry, String tenant) {
        this.registry = registry;
        this.tenant = tenant;
        rowsWritten = Counter.builder("og.sink.rows.written").description("datapoint rows committed")
                .tag("tenant", tenant).register(registry);
        duplicates = Counter.builder("og.sink.duplicates").description("datapoints already stored (redelivery, republish)")
                .tag("tenant", tenant).register(registry);
        messages = Counter.builder("og.sink.messages").description("data-lane messages processed and acked")
                .tag("tenant", tenant).register(registry);
        // count, sum and max only: a client-side percentile is an HdrHistogram per tenant per meter, re-ranged after
        // every rotation (40 s), which at fleet size was a tenth of the core's CPU under the live load (docs/fleet.md,
        // s11-corecpu); the stages the fleet benchmark reads percentiles of have them from a StageTimer (s12-corecpu)
        batchRows = DistributionSummary.builder("og.sink.batch.rows").description("datapoints per committed batch")
                .tag("tenant", tenant).register(registry);
        commit = stage("og.sink.commit", "COPY + merge + commit of one batch", tenant);
        inboxWait = stage("og.sink.inbox.wait", "JetStream stored a batch's oldest message -> a preparing turn took it", tenant);
        prepare = stage("og.sink.prepare", "parse, validate and resolve one batch", tenant);
        plan = counted("og.sink.plan", "group, sort and encode a prepared batch's direct COPY (part of og.sink.prepare)", tenant);
        handoffWait = stage("og.sink.handoff.wait", "a prepared batch's wait for the writing turn", tenant);
        write = counted("og.sink.write", "one writing turn: partitions, COPY, commit, dead letters and acks of a batch", tenant);
        storedToAck = stage("og.sink.stored.to.ack", "JetStream stored a batch's oldest message -> the batch committed and acked", tenant);
        Gauge.builder("og.sink.pending.messages", pending, AtomicLong::get)
                .description("messages in the data stream not yet delivered to the sink (lag)")
                .tag("tenant", tenant).register(registry);
        Gauge.builder("og.sink.ack.pending.messages", ackPending, AtomicLong::get)
                .description("messages delivered to a sink instance and not yet acked")
                .tag("tenant", tenant).register(registry);
        Gauge.builder("og.sink.ingest.rate", rowsLastMinute, RecentCount::perSecond)
                .description("datapoint rows per second this core committed over the last 60 s")
                .tag("tenant", tenant).register(registry);
        Gauge.builder("og.sink.dlq.last.day", dlqLastDay, RecentCount::sum)
                .description("datapoints this core dead-lettered in the last 24 h (15-minute buckets)")
                .tag("tenant", tenant).register(registry);
        Gauge.builder("og.sink.newest.datapoint.timestamp", newestMicros, m -> m.get() == 0 ? Double.NaN : m.get() / 1e6)
                .description("time (epoch seconds) of the newest datapoint this core stored since it started")
                .tag("tenant", tenant).register(registry);
    }

    /** Count, sum and max, and recent p50/p99 as {@code <name>_recent_seconds{quantile}} (see {@link StageTimer}). */
    private StageTimer stage(String name, String description, String tenant) {
        return StageTimer.register(registry, name, description, tenant);
    }

    /** A timer of count, total and max (no percentiles): its sum over the wall time is what is read. */
    private Timer counted(String name, String description, String tenant) {
        return Timer.builder(name).description(description).tag("tenant", tenant).register(registry);
    }

    /** A batch committed: {@code rows} new rows, the newest datapoint of the batch at {@code newestMicros}. */
    void stored(int rows, long newestMicros) {
        rowsWritten.increment(rows);
        rowsLastMinute.add(rows);
        if (newestMicros != 0) {
            this.newestMicros.accumulateAndGet(newestMicros, Math::max);
        }
    }

    void deadLettered(DlqReason reason) {
        dlq(reason).increment();
        dlqLastDay.add(1);
    }

    Counter dlq(DlqReason reason) {
        return dlq.computeIfAbsent(reason, r -> Counter.builder("og.sink.dlq").description("datapoints dead-lettered")
                .tag("tenant", tenant).tag("reason", r.code()).register(registry));
    }

    double dlqTotal() {
        return dlq.values().stream().mapToDouble(Counter::count).sum();
    }
}
