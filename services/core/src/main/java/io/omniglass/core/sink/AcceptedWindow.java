package io.omniglass.core.sink;

import io.omniglass.core.lifecycle.RetentionCascade;
import io.omniglass.core.lifecycle.RetentionLevel;
import io.omniglass.core.lifecycle.RetentionStore;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The timestamps a tenant accepts, per datapoint table: back as far as the table's retention keeps
 * anything (the longest keep of its cascade, docs/lifecycle.md), ahead by the control setting
 * {@code ingest.accepted_window}'s {@code future} (default 1 day). A {@code past} in that setting
 * narrows the window further. A day without a partition is no reason to refuse: the writer makes
 * it on demand. The rules apply it too, so a datapoint the sink will never store cannot move an
 * alarm's state; both use the same one ({@link AcceptedWindows#of}). The tenant's levels are read
 * when they change (and on the first check); the control settings come from {@link AcceptedWindows}.
 */
public final class AcceptedWindow {

    private static final Logger log = LoggerFactory.getLogger(AcceptedWindow.class);
    /** A re-read of the levels however quiet the change feed was: a notice lost in a reconnect is not lost for long. */
    static final Duration SAFETY_REFRESH = Duration.ofMinutes(10);
    /** After a failed read, how long checks go on with what was read before, rather than each trying again. */
    private static final Duration RETRY = Duration.ofSeconds(10);

    private final AcceptedWindows core;
    private final DSLContext tenant;
    /** Incremented by every change notice; the levels are current when {@link #loadedChanges} equals it. */
    private final AtomicLong changes = new AtomicLong(1);
    private volatile long loadedChanges;
    private volatile long loadedAt;
    private volatile long retryAt;
    private volatile List<RetentionLevel> levels;
    private volatile Resolved resolved;

    /** The keeps per datapoint table, worked out once per (control part, levels) and used by every check. */
    private record Resolved(AcceptedWindows.ControlPart control, List<RetentionLevel> levels, Map<String, Duration> keep) {
    }

    AcceptedWindow(AcceptedWindows core, DSLContext tenant) {
        this.core = core;
        this.tenant = tenant;
    }

    /** null when ts is accepted into {@code table}, else why not. */
    public String check(OffsetDateTime ts, String table) {
        return check(io.omniglass.api.lane.LaneTimestamp.epochMicros(ts), ts, table);
    }

    /**
     * The same for a ts already in microseconds since 1970 (the sink's rows): bounds in
     * microseconds, so a row costs no Instant or Duration ({@code ts} only words a refusal).
     */
    String check(long epochMicros, OffsetDateTime ts, String table) {
        Resolved r = resolved();
        long now = System.currentTimeMillis() * 1000L;
        Duration back = r.keep.getOrDefault(table, Duration.ofDays(90));
        Duration narrowed = r.control.past();
        Duration future = r.control.future();
        if (epochMicros < now - micros(back)) {
            return "ts " + ts + " is older than the retention of " + table + " (" + human(back) + ")";
        }
        if (narrowed != null && epochMicros < now - micros(narrowed)) {
            return "ts " + ts + " is more than " + human(narrowed) + " in the past (ingest.accepted_window)";
        }
        if (epochMicros > now + micros(future)) {
            return "ts " + ts + " is more than " + human(future) + " in the future";
        }
        return null;
    }

    private static long micros(Duration d) {
        return d.getSeconds() * 1_000_000L + d.getNano() / 1000;
    }

    /** The tenant's retention changed (a CDC notice, this instance's write): read it on the next check. */
    void changed() {
        changes.incrementAndGet();
    }

    private Resolved resolved() {
        AcceptedWindows.ControlPart control = core.controlPart();
        long now = System.nanoTime();
        if (loadedChanges != changes.get() || now - loadedAt > SAFETY_REFRESH.toNanos()) {
            loadLevels(now);
        }
        Resolved r = resolved;
        List<RetentionLevel> l = levels;
        if (r == null || r.control != control || r.levels != l) {
            r = resolve(control, l);
            resolved = r;
        }
        return r;
    }

    private synchronized void loadLevels(long now) {
        long wanted = changes.get();
        boolean due = loadedChanges != wanted || now - loadedAt > SAFETY_REFRESH.toNanos();
        if (!due || (levels != null && now - retryAt < 0)) {
            return; // another check read them meanwhile, or the last read failed a moment ago
        }
        try {
            levels = RetentionStore.levels(tenant);
            loadedChanges = wanted;
            loadedAt = now;
        } catch (RuntimeException e) {
            retryAt = now + RETRY.toNanos();
            if (levels == null) {
                levels = List.of(); // the defaults alone until a read succeeds
            }
            log.warn("reading the retention policies failed, keeping {}: {}", levels, e.getMessage());
        }
    }

    private static Resolved resolve(AcceptedWindows.ControlPart control, List<RetentionLevel> levels) {
        RetentionCascade cascade = new RetentionCascade(control.defaults(), levels);
        Map<String, Duration> keep = new HashMap<>();
        for (String table : RetentionCascade.DATAPOINT_TABLES) {
            keep.put(table, cascade.dropAfter(table));
        }
        return new Resolved(control, levels, Map.copyOf(keep));
    }

    private static String human(Duration d) {
        if (d.toHours() % 24 == 0 && d.toDays() > 0) {
            return d.toDays() + (d.toDays() == 1 ? " day" : " days");
        }
        return d.toString();
    }
}
