package io.omniglass.core.similar;

import io.omniglass.core.gateway.ConnectionSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The pgvector half of the fingerprint table, idempotent and run at every tenant start: where the
 * server has the extension, create it and add the generated {@code embedding} column and its
 * HNSW index (a fresh database and one that gains the extension later converge); where it has
 * not, leave the table as the migration made it (see V70). Statements are constants: nothing
 * here comes from outside.
 */
public final class SimilarSchema {

    private static final Logger log = LoggerFactory.getLogger(SimilarSchema.class);

    /** The extension is missing: what the similar-alarms endpoint tells the caller. */
    public static final String MISSING = "the pgvector extension ('vector') is not installed in this tenant's Postgres: "
            + "on the embedded default run packaging/pgvector/build.sh (the launcher does) and restart the core; on an "
            + "external server install pgvector 0.8 and restart the core, or run CREATE EXTENSION vector as a superuser";

    static final String EMBEDDING = "embedding";
    static final String INDEX = "alarm_fingerprint_embedding";

    private SimilarSchema() {
    }

    /** True when the embedding column exists (after this call) in the tenant database. */
    public static boolean ensure(ConnectionSource db) throws SQLException {
        try (Connection c = db.connection()) {
            if (!available(c)) {
                log.warn("tenant database {}: no pgvector on this server, similar alarms unavailable", c.getCatalog());
                return false;
            }
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                // several cores may start the same tenant at once
                st.execute("SELECT pg_advisory_xact_lock(hashtext('og_similar_schema'))");
                st.execute("CREATE EXTENSION IF NOT EXISTS vector");
                st.execute("ALTER TABLE alarm_fingerprint ADD COLUMN IF NOT EXISTS " + EMBEDDING + " vector("
                        + FingerprintRecipe.DIMENSIONS + ") GENERATED ALWAYS AS (lead_up::vector("
                        + FingerprintRecipe.DIMENSIONS + ")) STORED");
                // L2 over blocks of unit norm: the sum of per-key shape differences (docs/similar.md)
                st.execute("CREATE INDEX IF NOT EXISTS " + INDEX + " ON alarm_fingerprint USING hnsw ("
                        + EMBEDDING + " vector_l2_ops)");
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                log.warn("tenant database {}: pgvector is available but could not be set up ({}); similar alarms unavailable",
                        c.getCatalog(), e.getMessage());
                return false;
            } finally {
                c.setAutoCommit(true);
            }
            return ready(c);
        }
    }

    static boolean available(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")) {
            return rs.next();
        }
    }

    /** Whether the embedding column is there (the extension is installed and set up). */
    static boolean ready(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1 FROM pg_attribute WHERE attrelid = 'alarm_fingerprint'::regclass"
                     + " AND attname = '" + EMBEDDING + "' AND NOT attisdropped")) {
            return rs.next();
        }
    }
}
