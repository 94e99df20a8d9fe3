package io.omniglass.core.cdc;

import io.omniglass.core.runtime.PgServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes a running-transactions record ({@code pg_log_standby_snapshot()}, Postgres 16+) at most
 * once a second per server, just before a drain reads its target. A logical slot's restart_lsn
 * can only move up to such a record that its walsender decoded and whose position the client then
 * confirmed; Postgres writes one by itself only every 15 s and at checkpoints. A slot drained for
 * a second now and then would otherwise restart decoding tens of seconds back at every drain and
 * re-read, while one tenant replays, the same WAL again and again. The record is a few bytes and
 * serves every slot of the server (the snapshot file it makes is shared by name).
 */
final class StandbySnapshots {

    private static final Logger log = LoggerFactory.getLogger(StandbySnapshots.class);
    static final long EVERY_NANOS = 1_000_000_000L;

    private final Map<PgServer, Long> lastLogged = new ConcurrentHashMap<>();
    /** Servers that cannot (before 16) or may not (no privilege): the 15 s records only. */
    private final Map<PgServer, Boolean> unavailable = new ConcurrentHashMap<>();

    void logIfDue(TenantFeed feed) {
        PgServer server = feed.server;
        if (unavailable.containsKey(server)) {
            return;
        }
        long now = System.nanoTime();
        Long last = lastLogged.get(server);
        if (last != null && now - last < EVERY_NANOS) {
            return;
        }
        if (last == null ? lastLogged.putIfAbsent(server, now) != null : !lastLogged.replace(server, last, now)) {
            return; // another session logs it
        }
        logNow(feed);
    }

    /**
     * Writes the record now, whenever it was last written: a slot being made waits for the next one
     * (SlotSkip). A server that cannot or may not is asked once, not at every call.
     */
    void logNow(TenantFeed feed) {
        PgServer server = feed.server;
        if (unavailable.containsKey(server)) {
            return;
        }
        try (java.sql.Connection c = feed.serverDb.getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_log_standby_snapshot()");
        } catch (SQLException e) {
            if ("42883".equals(e.getSQLState()) || "42501".equals(e.getSQLState())) {
                unavailable.put(server, Boolean.TRUE);
                log.info("cdc: pg_log_standby_snapshot() is not available on {} ({}): slots move their restart "
                        + "position only at Postgres' own 15 s records", server.host(), e.getMessage());
            } else {
                log.debug("cdc: pg_log_standby_snapshot(): {}", e.toString());
            }
        }
    }
}
