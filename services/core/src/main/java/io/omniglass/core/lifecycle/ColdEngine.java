package io.omniglass.core.lifecycle;

import org.duckdb.DuckDBConnection;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The embedded DuckDB of one core (in memory, bounded: 2 threads, 512 MB), which writes and reads
 * the cold tier's Parquet files. Nothing is downloaded: extension auto-install and auto-load are
 * off, and only what the JDBC jar carries (Parquet, CSV) is used. Each use takes a duplicate
 * connection of the one instance.
 */
public final class ColdEngine implements AutoCloseable {

    private final DuckDBConnection root;

    public ColdEngine() {
        try {
            Class.forName("org.duckdb.DuckDBDriver");
            root = (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:");
            try (Statement st = root.createStatement()) {
                st.execute("SET autoinstall_known_extensions = false");
                st.execute("SET autoload_known_extensions = false");
                st.execute("SET threads = 2");
                st.execute("SET memory_limit = '512MB'");
                st.execute("SET preserve_insertion_order = false");
            }
            try (Statement st = root.createStatement()) {
                // keeps the Parquet footers of files already read: a long-range read opens ~90 files
                st.execute("SET enable_object_cache = true");
            } catch (SQLException e) {
                org.slf4j.LoggerFactory.getLogger(ColdEngine.class).info("DuckDB has no object cache setting: {}", e.getMessage());
            }
        } catch (ClassNotFoundException | SQLException e) {
            throw new IllegalStateException("the embedded DuckDB did not start: " + e.getMessage(), e);
        }
    }

    public Connection connection() throws SQLException {
        return root.duplicate();
    }

    /** A SQL string literal (DuckDB takes file names as literals in COPY ... TO). */
    static String literal(String s) {
        return "'" + s.replace("'", "''") + "'";
    }

    /** {@code read_parquet([...])} over exactly these files: never a glob (a retried export would count twice). */
    static String readParquet(List<Path> files) {
        StringBuilder b = new StringBuilder("read_parquet([");
        for (int i = 0; i < files.size(); i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(literal(files.get(i).toString()));
        }
        return b.append("])").toString();
    }

    @Override
    public void close() {
        try {
            root.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
