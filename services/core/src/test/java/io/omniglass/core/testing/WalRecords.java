package io.omniglass.core.testing;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The WAL records a piece of work wrote for one relation, read back from the server's WAL with
 * pg_walinspect (in the embedded bundle): what every logical slot of the server has to decode.
 * Start with {@link #mark}, do the work (committed), then {@link #since} names the records whose
 * first block is in the relation, as "Heap/HOT_UPDATE", "Heap/LOCK", ...
 */
public final class WalRecords {

    private final DataSource db;
    private final String lsn;

    private WalRecords(DataSource db, String lsn) {
        this.db = db;
        this.lsn = lsn;
    }

    /** The WAL's insert position now (the extension made if missing; needs a superuser). */
    public static WalRecords mark(DataSource db) throws SQLException {
        try (Connection c = db.getConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS pg_walinspect");
            try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
                rs.next();
                return new WalRecords(db, rs.getString(1));
            }
        }
    }

    /** The records written since the mark whose first block belongs to {@code relation}, in WAL order. */
    public List<String> since(String relation) throws SQLException {
        try (Connection c = db.getConnection()) {
            // pg_walinspect reads up to the flushed position, and a test server (fsync off, asynchronous
            // commits) may hold the last page unwritten: a segment switch writes it out
            try (Statement st = c.createStatement()) {
                st.execute("SELECT pg_switch_wal()");
            }
            return read(c, relation);
        }
    }

    private List<String> read(Connection c, String relation) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT resource_manager || '/' || record_type "
                     + "FROM pg_get_wal_block_info(?::pg_lsn, pg_current_wal_flush_lsn(), false) "
                     + "WHERE block_id = 0 AND reldatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                     + "AND relfilenode = pg_relation_filenode(?::regclass) ORDER BY start_lsn")) {
            ps.setString(1, lsn);
            ps.setString(2, relation);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
