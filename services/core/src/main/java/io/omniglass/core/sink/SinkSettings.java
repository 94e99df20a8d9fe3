package io.omniglass.core.sink;

import java.time.Duration;
import io.omniglass.core.runtime.OmniglassConfig;

/**
 * How the sink batches. A batch closes at {@code batchRows} datapoints, {@code batchMessages}
 * messages or {@code batchWait} after its first message, whichever comes first. {@code ackWait}
 * must outlast the slowest batch commit, or JetStream redelivers a batch still being written
 * (harmless, since the merge is idempotent, but wasted work).
 */
public record SinkSettings(
        String durableName,
        int batchRows,
        int batchMessages,
        Duration batchWait,
        Duration ackWait,
        int maxAckPending) {

    public static final String DURABLE = "og-sink";

    public static SinkSettings defaults() {
        return new SinkSettings(DURABLE, 20_000, 5_000, Duration.ofMillis(200), Duration.ofSeconds(60), 50_000);
    }

    /** As configured (OMNIGLASS_SINK_BATCH_ROWS, OMNIGLASS_SINK_BATCH_WAIT_MS, OMNIGLASS_SINK_ACK_WAIT_S). */
    public static SinkSettings from(OmniglassConfig.Tuning t) {
        SinkSettings d = defaults();
        return new SinkSettings(d.durableName, t.sinkBatchRows(), d.batchMessages,
                Duration.ofMillis(t.sinkBatchWaitMs()), Duration.ofSeconds(t.sinkAckWaitSeconds()), d.maxAckPending);
    }

    public SinkSettings withAckWait(Duration ackWait) {
        return new SinkSettings(durableName, batchRows, batchMessages, batchWait, ackWait, maxAckPending);
    }
}
