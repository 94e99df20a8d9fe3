package io.omniglass.core.sink;

import io.omniglass.api.lane.DlqReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sink's figures in /metrics, per tenant: og_sink_rows_written_total (rate() gives rows/s),
 * og_sink_duplicates_total, og_sink_dlq_total{reason}, og_sink_batch_rows, og_sink_commit_seconds,
 * og_sink_pending_messages (consumer lag, refreshed every few seconds).
 */
final class SinkMetrics {

    private final MeterRegistry registry;
    private final String tenant;
    final Counter rowsWritten;
    final Counter duplicates;
    final Counter messages;
    final DistributionSummary batchRows;
    final Timer commit;
    final AtomicLong pending = new AtomicLong();
    final AtomicLong ackPending = new AtomicLong();
    private final Map<DlqReason, Counter> dlq = new ConcurrentHashMap<>();

    SinkMetrics(MeterRegistry registry, String tenant) {
        this.registry = registry;
        this.tenant = tenant;
        rowsWritten = Counter.builder("og.sink.rows.written").description("datapoint rows committed")
                .tag("tenant", tenant).register(registry);
        duplicates = Counter.builder("og.sink.duplicates").description("datapoints already stored (redelivery, republish)")
                .tag("tenant", tenant).register(registry);
        messages = Counter.builder("og.sink.messages").description("data-lane messages processed and acked")
                .tag("tenant", tenant).register(registry);
        batchRows = DistributionSummary.builder("og.sink.batch.rows").description("datapoints per committed batch")
                .tag("tenant", tenant).publishPercentiles(0.5, 0.99).register(registry);
        commit = Timer.builder("og.sink.commit").description("COPY + merge + commit of one batch")
                .tag("tenant", tenant).publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder("og.sink.pending.messages", pending, AtomicLong::get)
                .description("messages in the data stream not yet delivered to the sink (lag)")
                .tag("tenant", tenant).register(registry);
        Gauge.builder("og.sink.ack.pending.messages", ackPending, AtomicLong::get)
                .description("messages delivered to a sink instance and not yet acked")
                .tag("tenant", tenant).register(registry);
    }

    Counter dlq(DlqReason reason) {
        return dlq.computeIfAbsent(reason, r -> Counter.builder("og.sink.dlq").description("datapoints dead-lettered")
                .tag("tenant", tenant).tag("reason", r.code()).register(registry));
    }

    double dlqTotal() {
        return dlq.values().stream().mapToDouble(Counter::count).sum();
    }
}
