package io.omniglass.core.sink;

import io.omniglass.core.lanes.Lanes;
import io.omniglass.core.lifecycle.RetentionLevel;
import io.omniglass.core.lifecycle.RetentionStore;
import io.omniglass.core.tenancy.TenantStreams;
import org.jooq.DSLContext;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The core's accepted windows: one {@link AcceptedWindow} per tenant, which the sink and the rules
 * share, and the control database's part of every window (the global retention defaults and
 * {@code ingest.accepted_window}), read once for all tenants.
 * <p>
 * Until s12 the sink and the rules each reloaded every tenant's retention once a minute (two
 * databases, through jOOQ): at 180 live tenants 6 loads a second, 7-9 % of the core's CPU under the
 * live load (docs/fleet.md, s11-corecpu). Now a tenant's levels are read again when they change: on
 * this instance's own writes ({@link #retentionChanged}) and on the tenant's CDC feed of
 * {@code retention_policy} (other instances', an operator's psql), with a slow re-read as a safety
 * net for a change notice lost in a NATS reconnect. The control settings have no feed; they are
 * read at most once a minute for the whole core, and only when a datapoint is checked.
 */
public final class AcceptedWindows {

    private static final Logger log = LoggerFactory.getLogger(AcceptedWindows.class);
    /** How stale the control database's settings may get (they have no change feed). */
    static final Duration CONTROL_REFRESH = Duration.ofMinutes(1);

    private final DataSource control;
    private final Lanes lanes;
    private final Map<String, AcceptedWindow> windows = new ConcurrentHashMap<>();
    private volatile ControlPart controlPart;
    /** System.nanoTime() of the last read; 0: read it on the next check. */
    private volatile long controlReadAt;

    /** What the control database adds to every window; {@code past} null when the setting does not narrow it. */
    record ControlPart(Duration past, Duration future, Map<String, RetentionLevel> defaults) {
    }

    public AcceptedWindows(DataSource control, Lanes lanes) {
        this.control = control;
        this.lanes = lanes;
    }

    /**
     * The tenant's window ({@code tenantDb} reads its levels; the first caller's is kept). Its
     * retention changes arrive on the tenant's lane dispatcher, so a tenant costs one subscription.
     */
    public AcceptedWindow of(String slug, DSLContext tenantDb) {
        return windows.computeIfAbsent(slug, s -> {
            AcceptedWindow w = new AcceptedWindow(this, tenantDb);
            if (lanes != null) {
                lanes.dispatcher(s).subscribe(TenantStreams.cdcSubject(s, "retention_policy"), m -> w.changed());
            }
            return w;
        });
    }

    /** This instance committed a change to the tenant's retention: its window reads it on the next check. */
    public void retentionChanged(String slug) {
        AcceptedWindow w = windows.get(slug);
        if (w != null) {
            w.changed();
        }
    }

    /** Every window reads its tenant's levels and the control settings again on its next check. */
    void refreshAll() {
        controlReadAt = 0;
        windows.values().forEach(AcceptedWindow::changed);
    }

    /** The control database's part, read again when older than {@link #CONTROL_REFRESH}. */
    ControlPart controlPart() {
        ControlPart c = controlPart;
        long now = System.nanoTime();
        if (fresh(c, now)) {
            return c; // every datapoint's check: no lock
        }
        synchronized (this) {
            c = controlPart;
            if (fresh(c, now)) {
                return c;
            }
            c = readControl(c);
            controlPart = c;
            controlReadAt = now;
            return c;
        }
    }

    private boolean fresh(ControlPart c, long now) {
        long at = controlReadAt;
        return c != null && at != 0 && now - at < CONTROL_REFRESH.toNanos();
    }

    private ControlPart readControl(ControlPart before) {
        Duration past = before == null ? null : before.past();
        Duration future = before == null ? Duration.ofDays(1) : before.future();
        Map<String, RetentionLevel> defaults = before == null ? Map.of() : before.defaults();
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
            defaults = RetentionStore.defaults(DSL.using(control, SQLDialect.POSTGRES));
        } catch (RuntimeException e) {
            log.warn("reading the retention defaults failed, keeping {}: {}", defaults, e.getMessage());
        }
        return new ControlPart(past, future, defaults);
    }
}
