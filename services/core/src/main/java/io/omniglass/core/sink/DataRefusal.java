package io.omniglass.core.sink;

import java.sql.SQLException;

/**
 * Tells a database refusing the data (it will refuse it again, whatever the retry) from the
 * database being in trouble (retry later). Only the first belongs to a datapoint: it is
 * isolated and dead-lettered; the second leaves the batch for redelivery. The rules classify the
 * same way: a refusal of the data is skipped, never redelivered without end.
 */
public final class DataRefusal {

    private DataRefusal() {
    }

    /**
     * SQLSTATE classes 22 (data exception: NUL in text, out of range), 23 (integrity constraint)
     * and 54 (program limit: an index row too large) are the data's fault.
     */
    public static boolean isData(String sqlState) {
        return sqlState != null && (sqlState.startsWith("22") || sqlState.startsWith("23") || sqlState.startsWith("54"));
    }

    /** Whether {@code e} (or what it wraps, as jOOQ does) is such a refusal. */
    public static boolean isData(Throwable e) {
        return isData(sqlState(e));
    }

    static String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                return s.getSQLState();
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /** "SQLSTATE message", first line only (a database message carries a DETAIL line). */
    static String describe(Throwable e) {
        Throwable root = e;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException) {
                root = t;
                break;
            }
        }
        String m = String.valueOf(root.getMessage());
        int nl = m.indexOf('\n');
        return sqlState(e) + " " + (nl < 0 ? m : m.substring(0, nl));
    }
}
