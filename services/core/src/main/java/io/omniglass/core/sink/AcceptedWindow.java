package io.omniglass.core.sink;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

/**
 * The timestamps a tenant accepts: the control setting {@code ingest.accepted_window} around now
 * (default 7 days back, 1 day ahead), narrowed to the span its partitions cover (no default
 * partition: a row outside them could never be stored). Refreshed once a minute. The rules apply
 * it too, so a datapoint the sink will never store cannot move an alarm's state.
 */
public final class AcceptedWindow {

    private static final Logger log = LoggerFactory.getLogger(AcceptedWindow.class);
    private static final Duration REFRESH = Duration.ofMinutes(1);

    private final DataSource control;
    private final DataSource tenant;
    private volatile Duration past = Duration.ofDays(7);
    private volatile Duration future = Duration.ofDays(1);
    private volatile Instant spanFrom = Instant.MIN;
    private volatile Instant spanTo = Instant.MIN;
    private volatile long refreshedAt;

    public AcceptedWindow(DataSource control, DataSource tenant) {
        this.control = control;
        this.tenant = tenant;
    }

    /** null when ts is accepted, else why not. */
    public String check(OffsetDateTime ts) {
        maybeRefresh();
        Instant t = ts.toInstant();
        Instant now = Instant.now();
        if (t.isBefore(now.minus(past))) {
            return "ts " + ts + " is more than " + human(past) + " in the past";
        }
        if (t.isAfter(now.plus(future))) {
            return "ts " + ts + " is more than " + human(future) + " in the future";
        }
        if (t.isBefore(spanFrom) || !t.isBefore(spanTo)) {
            return "ts " + ts + " is outside the stored partitions [" + spanFrom + ", " + spanTo + ")";
        }
        return null;
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
                if (rs.getObject(1) != null) {
                    past = Duration.ofMillis((long) (rs.getDouble(1) * 1000));
                }
                if (rs.getObject(2) != null) {
                    future = Duration.ofMillis((long) (rs.getDouble(2) * 1000));
                }
            }
        } catch (SQLException e) {
            log.warn("reading ingest.accepted_window failed, keeping {} / {}: {}", past, future, e.getMessage());
        }
        try (Connection c = tenant.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT lower(s), upper(s) FROM (SELECT og_partition_span('metric_datapoint') AS s) x");
             ResultSet rs = ps.executeQuery()) {
            if (rs.next() && rs.getObject(1) != null) {
                spanFrom = rs.getObject(1, OffsetDateTime.class).toInstant();
                spanTo = rs.getObject(2, OffsetDateTime.class).toInstant();
            }
        } catch (SQLException e) {
            log.warn("reading the partition span failed: {}", e.getMessage());
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
