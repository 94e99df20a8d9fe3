package io.omniglass.core.sink;

import org.jooq.DSLContext;
import io.omniglass.core.lifecycle.RetentionCascade;
import io.omniglass.core.lifecycle.RetentionStore;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The timestamps a tenant accepts, per datapoint table: back as far as the table's retention keeps
 * anything (the longest keep of its cascade, docs/lifecycle.md), ahead by the control setting
 * {@code ingest.accepted_window}'s {@code future} (default 1 day). A {@code past} in that setting
 * narrows the window further. A day without a partition is no reason to refuse: the writer makes
 * it on demand. Refreshed once a minute. The rules apply
 * it too, so a datapoint the sink will never store cannot move an alarm's state.
 */
public final class AcceptedWindow {

    private static final Logger log = LoggerFactory.getLogger(AcceptedWindow.class);
    private static final Duration REFRESH = Duration.ofMinutes(1);

    private final DataSource control;
    private final DSLContext tenant;
    private volatile Duration past;
    private volatile Duration future = Duration.ofDays(1);
    private final Map<String, Duration> keep = new ConcurrentHashMap<>();
    private volatile long refreshedAt;

    public AcceptedWindow(DataSource control, DSLContext tenant) {
        this.control = control;
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
        maybeRefresh();
        long now = System.currentTimeMillis() * 1000L;
        Duration back = keep.getOrDefault(table, Duration.ofDays(90));
        Duration narrowed = past;
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

    void refreshNow() {
        refreshedAt = 0;
        maybeRefresh();
    }

    private void maybeRefresh() {
        long now = System.nanoTime();
        if (refreshedAt != 0 && now - refreshedAt < REFRESH.toNanos()) {
            return;
        }
        try (Connection c = control.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT extract(epoch FROM (value->>'past')::interval), extract(epoch FROM (value->>'future')::interval)"
                             + " FROM setting WHERE key = 'ingest.accepted_window'");
             ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
                past = rs.getObject(1) == null ? null : Duration.ofMillis((long) (rs.getDouble(1) * 1000));
                if (rs.getObject(2) != null) {
                    future = Duration.ofMillis((long) (rs.getDouble(2) * 1000));
                }
            }
        } catch (SQLException e) {
            log.warn("reading ingest.accepted_window failed, keeping {} / {}: {}", past, future, e.getMessage());
        }
        try {
            RetentionCascade cascade = RetentionStore.load(DSL.using(control, SQLDialect.POSTGRES),
                    tenant);
            for (String table : RetentionCascade.DATAPOINT_TABLES) {
                keep.put(table, cascade.dropAfter(table));
            }
        } catch (RuntimeException e) {
            log.warn("reading the retention policies failed, keeping {}: {}", keep, e.getMessage());
        }
        refreshedAt = now;
    }

    private static String human(Duration d) {
        if (d.toHours() % 24 == 0 && d.toDays() > 0) {
            return d.toDays() + (d.toDays() == 1 ? " day" : " days");
        }
        return d.toString();
    }
}
