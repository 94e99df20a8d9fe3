package io.omniglass.core.sink;

import java.time.Duration;
import java.util.Map;

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
        int maxAckPending,
        int prefetchMessages) {

    public static final String DURABLE = "og-sink";

    public static SinkSettings defaults() {
        return new SinkSettings(DURABLE, 20_000, 5_000, Duration.ofMillis(200), Duration.ofSeconds(60), 50_000, 500);
    }

    /** Defaults, overridden by OMNIGLASS_SINK_BATCH_ROWS, OMNIGLASS_SINK_BATCH_WAIT_MS, OMNIGLASS_SINK_ACK_WAIT_S. */
    public static SinkSettings fromEnv(Map<String, String> env) {
        SinkSettings d = defaults();
        return new SinkSettings(d.durableName,
                intOr(env, "OMNIGLASS_SINK_BATCH_ROWS", d.batchRows),
                d.batchMessages,
                Duration.ofMillis(intOr(env, "OMNIGLASS_SINK_BATCH_WAIT_MS", (int) d.batchWait.toMillis())),
                Duration.ofSeconds(intOr(env, "OMNIGLASS_SINK_ACK_WAIT_S", (int) d.ackWait.toSeconds())),
                d.maxAckPending,
                d.prefetchMessages);
    }

    public SinkSettings withAckWait(Duration ackWait) {
        return new SinkSettings(durableName, batchRows, batchMessages, batchWait, ackWait, maxAckPending, prefetchMessages);
    }

    private static int intOr(Map<String, String> env, String name, int dflt) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, not '" + v + "'");
        }
    }
}
