package io.omniglass.core.bench;

import io.omniglass.core.cdc.CdcSession;
import org.HdrHistogram.Histogram;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The latency figures of one publisher latency run of {@code bench cdc}, told by the session of
 * every transaction it receives and every change acknowledged, matched by transaction id with the
 * time the writer's commit returned.
 */
final class LatencyProbe implements CdcSession.AckListener {

    final AtomicBoolean measuring = new AtomicBoolean(false);
    /** Transaction id to the wall-clock microseconds its commit returned (-1 while it is under way). */
    final ConcurrentHashMap<Long, Long> commitReturned = new ConcurrentHashMap<>();
    final Histogram latency = new Histogram(60_000_000L, 3);
    final Histogram commitDuration = new Histogram(60_000_000L, 3);
    final Histogram fromCommitTs = new Histogram(60_000_000L, 3);
    final Histogram toReceive = new Histogram(60_000_000L, 3);
    /**
     * From the publisher seeing a transaction's first message to each of its PubAcks: the
     * publisher's own part and JetStream's, without Postgres handing the transaction over.
     */
    final Histogram receivedToAck = new Histogram(60_000_000L, 3);
    private final ConcurrentHashMap<Long, Long> receivedAt = new ConcurrentHashMap<>();

    @Override
    public void acked(long xid, long commitTsMicros) {
        if (!measuring.get()) {
            return;
        }
        long now = nowMicros();
        Long committed = commitReturned.get(xid);
        if (committed == null) {
            return; // not a transaction of the latency run
        }
        synchronized (latency) {
            // a PubAck can beat the writer's note of its commit's return: count it as 0
            latency.recordValue(committed < 0 ? 0 : Math.max(0, now - committed));
            fromCommitTs.recordValue(Math.max(0, now - (commitTsMicros + CdcBench.PG_EPOCH_MICROS)));
            Long received = receivedAt.get(xid);
            if (received != null) {
                receivedToAck.recordValue(Math.max(0, now - received));
            }
        }
    }

    @Override
    public void received(long xid, long commitTsMicros) {
        if (!measuring.get()) {
            return;
        }
        Long committed = commitReturned.get(xid);
        if (committed != null) {
            long now = nowMicros();
            receivedAt.put(xid, now);
            toReceive.recordValue(committed < 0 ? 0 : Math.max(0, now - committed));
        }
    }

    static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
