package io.omniglass.core.gateway;

import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.exception.DataAccessException;
import org.jooq.exception.DataException;
import org.jooq.exception.IntegrityConstraintViolationException;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/**
 * Hot statements (the live decisions, the action rules) as plain JDBC on the caller's transaction connection: each
 * statement's text is written once, from the generated classes' identifiers, with every value a
 * bind parameter (never concatenated), so pgjdbc prepares it once per connection and nothing
 * renders it again. Through jOOQ, rendering and binding these few statements were most of the
 * core's CPU per live datapoint. Errors reach the caller as jOOQ would have thrown them (an
 * integrity violation as {@link IntegrityConstraintViolationException}, the SQLException as cause).
 */
public final class HotSql {

    private HotSql() {
    }

    /** Binds a statement's parameters. */
    @FunctionalInterface
    public interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Reads a statement's result. */
    @FunctionalInterface
    public interface Rows<T> {
        T read(ResultSet rs) throws SQLException;
    }

    public static int update(DSLContext tx, String sql, Binder binder) {
        return tx.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                return ps.executeUpdate();
            } catch (SQLException e) {
                throw translate(sql, e);
            }
        });
    }

    public static <T> T query(DSLContext tx, String sql, Binder binder, Rows<T> rows) {
        return tx.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                binder.bind(ps);
                try (ResultSet rs = ps.executeQuery()) {
                    return rows.read(rs);
                }
            } catch (SQLException e) {
                throw translate(sql, e);
            }
        });
    }

    /** The column's quoted name, unqualified. */
    public static String q(Field<?> f) {
        return '"' + f.getName() + '"';
    }

    /** The table's quoted name, unqualified (the tenant database's search path names its schema). */
    public static String q(Table<?> t) {
        return '"' + t.getName() + '"';
    }

    public static Array array(PreparedStatement ps, String type, Object[] values) throws SQLException {
        return ps.getConnection().createArrayOf(type, values);
    }

    /** A value Postgres types from the statement (an enum literal, a jsonb text). */
    public static void setUntyped(PreparedStatement ps, int i, String value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.OTHER);
        } else {
            ps.setObject(i, value, Types.OTHER);
        }
    }

    public static void setLong(PreparedStatement ps, int i, Long value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.BIGINT);
        } else {
            ps.setLong(i, value);
        }
    }

    public static void setTs(PreparedStatement ps, int i, java.time.OffsetDateTime value) throws SQLException {
        if (value == null) {
            ps.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(i, value);
        }
    }

    static RuntimeException translate(String sql, SQLException e) {
        String state = e.getSQLState();
        String message = "SQL [" + sql + "]; " + e.getMessage();
        if (state != null && state.startsWith("23")) {
            return new IntegrityConstraintViolationException(message, e);
        }
        if (state != null && state.startsWith("22")) {
            return new DataException(message, e);
        }
        return new DataAccessException(message, e);
    }
}
