package io.omniglass.core.telemetry;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static io.omniglass.schema.control.Tables.LATENCY_HOUR;
import static io.omniglass.schema.control.Tables.LATENCY_SLOW_STATEMENT;

/**
 * Query latency per (tenant, action, hour): an HdrHistogram {@link Recorder} per key (lock-free on
 * the query path), folded into an hourly histogram and written to the control database every
 * {@code flushSeconds} and on close. Each core instance owns its own rows; readers add them up.
 * The slowest statements of each key are kept too (SQL with bind markers, never the values).
 */
public final class LatencyTelemetry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LatencyTelemetry.class);
    public static final int SLOWEST_KEPT = 10;

    private final DSLContext control;
    private final String instanceId;
    private final Map<Key, Cell> cells = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher;

    record Key(String tenant, String action, long hourEpochSecond) {
    }

    /** One slow statement. */
    public record Slow(long durationMicros, Instant ts, String sql) {
    }

    private static final class Cell {
        final Recorder recorder = new Recorder(3);
        final Histogram hour = new Histogram(3);
        final PriorityQueue<Slow> slowest = new PriorityQueue<>(Comparator.comparingLong(Slow::durationMicros));
        volatile long slowThreshold;
        volatile boolean dirty;
    }

    public LatencyTelemetry(DSLContext control, String instanceId, int flushSeconds) {
        this.control = control;
        this.instanceId = instanceId;
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "og-latency-flush");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::flushQuietly, flushSeconds, flushSeconds, TimeUnit.SECONDS);
    }

    /** Records one query; cheap enough for every statement the gateway runs. */
    public void record(String tenant, String action, long nanos, String sql) {
        long micros = Math.max(1, nanos / 1000);
        long hour = Instant.now().truncatedTo(ChronoUnit.HOURS).getEpochSecond();
        Cell cell = cells.computeIfAbsent(new Key(tenant == null ? "" : tenant, action, hour), k -> new Cell());
        cell.recorder.recordValue(micros);
        cell.dirty = true;
        if (micros > cell.slowThreshold && sql != null) {
            synchronized (cell.slowest) {
                cell.slowest.add(new Slow(micros, Instant.now(), sql.length() > 4000 ? sql.substring(0, 4000) : sql));
                if (cell.slowest.size() > SLOWEST_KEPT) {
                    cell.slowest.poll();
                }
                if (cell.slowest.size() == SLOWEST_KEPT) {
                    cell.slowThreshold = cell.slowest.peek().durationMicros();
                }
            }
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            log.warn("latency telemetry flush failed (will retry): {}", e.toString());
        }
    }

    /** Writes every changed (tenant, action, hour) to the control database; forgets past hours once written. */
    public synchronized void flush() {
        long currentHour = Instant.now().truncatedTo(ChronoUnit.HOURS).getEpochSecond();
        for (Map.Entry<Key, Cell> e : cells.entrySet()) {
            Key k = e.getKey();
            Cell c = e.getValue();
            if (c.dirty) {
                c.dirty = false;
                c.hour.add(c.recorder.getIntervalHistogram());
                write(k, c);
            }
            if (k.hourEpochSecond() < currentHour && !c.dirty) {
                cells.remove(k);
            }
        }
    }

    private void write(Key k, Cell c) {
        if (c.hour.getTotalCount() == 0) {
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(c.hour.getNeededByteBufferCapacity());
        int len = c.hour.encodeIntoCompressedByteBuffer(buf);
        byte[] bytes = Arrays.copyOf(buf.array(), len);
        OffsetDateTime hour = Instant.ofEpochSecond(k.hourEpochSecond()).atOffset(ZoneOffset.UTC);
        List<Slow> slowest;
        synchronized (c.slowest) {
            slowest = new ArrayList<>(c.slowest);
        }
        slowest.sort(Comparator.comparingLong(Slow::durationMicros).reversed());
        control.transaction(tx -> {
            DSLContext t = tx.dsl();
            t.insertInto(LATENCY_HOUR)
                    .set(LATENCY_HOUR.HOUR, hour)
                    .set(LATENCY_HOUR.TENANT_SLUG, k.tenant())
                    .set(LATENCY_HOUR.ACTION, k.action())
                    .set(LATENCY_HOUR.INSTANCE_ID, instanceId)
                    .set(LATENCY_HOUR.SAMPLE_COUNT, c.hour.getTotalCount())
                    .set(LATENCY_HOUR.MAX_US, c.hour.getMaxValue())
                    .set(LATENCY_HOUR.HISTOGRAM, bytes)
                    .onConflict(LATENCY_HOUR.HOUR, LATENCY_HOUR.TENANT_SLUG, LATENCY_HOUR.ACTION, LATENCY_HOUR.INSTANCE_ID)
                    .doUpdate()
                    .set(LATENCY_HOUR.SAMPLE_COUNT, c.hour.getTotalCount())
                    .set(LATENCY_HOUR.MAX_US, c.hour.getMaxValue())
                    .set(LATENCY_HOUR.HISTOGRAM, bytes)
                    .set(LATENCY_HOUR.UPDATED_AT, OffsetDateTime.now())
                    .execute();
            t.deleteFrom(LATENCY_SLOW_STATEMENT)
                    .where(LATENCY_SLOW_STATEMENT.HOUR.eq(hour))
                    .and(LATENCY_SLOW_STATEMENT.TENANT_SLUG.eq(k.tenant()))
                    .and(LATENCY_SLOW_STATEMENT.ACTION.eq(k.action()))
                    .and(LATENCY_SLOW_STATEMENT.INSTANCE_ID.eq(instanceId))
                    .execute();
            var insert = t.insertInto(LATENCY_SLOW_STATEMENT, LATENCY_SLOW_STATEMENT.HOUR, LATENCY_SLOW_STATEMENT.TENANT_SLUG,
                    LATENCY_SLOW_STATEMENT.ACTION, LATENCY_SLOW_STATEMENT.INSTANCE_ID, LATENCY_SLOW_STATEMENT.RANK,
                    LATENCY_SLOW_STATEMENT.DURATION_US, LATENCY_SLOW_STATEMENT.TS, LATENCY_SLOW_STATEMENT.SQL);
            int rank = 1;
            for (Slow s : slowest) {
                insert = insert.values(hour, k.tenant(), k.action(), instanceId, rank++, s.durationMicros(),
                        s.ts().atOffset(ZoneOffset.UTC), s.sql());
            }
            if (!slowest.isEmpty()) {
                insert.execute();
            }
        });
    }

    /** Decodes a persisted histogram. */
    public static Histogram decode(byte[] bytes) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(bytes), 0);
        } catch (java.util.zip.DataFormatException e) {
            throw new IllegalStateException("corrupt latency histogram", e);
        }
    }

    @Override
    public void close() {
        flusher.shutdownNow();
        flushQuietly();
    }
}
