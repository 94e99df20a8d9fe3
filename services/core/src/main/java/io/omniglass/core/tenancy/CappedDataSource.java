package io.omniglass.core.tenancy;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A tenant pool behind a budget shared by every tenant: a connection is handed out only with a
 * permit of the {@link Semaphore}, and closing it gives the permit back. However many tenants a
 * core serves, no more connections than the budget are in use at once; a caller over budget waits
 * (fairly, first come first served) up to the pool's connection timeout, like Hikari's own wait.
 */
final class CappedDataSource implements DataSource {

    private final DataSource pool;
    private final Semaphore budget;
    private final long waitMillis;
    private final String what;
    private final ServerWatch watch;

    /**
     * The server behind the pool and what is known of it: a server known to be down is refused at
     * once (its tenants' work backs off instead of holding a shared worker for the connection
     * timeout); a borrow that fails to connect, or hangs past {@link #SUSPECT_AFTER_MS}, has it probed.
     */
    record ServerWatch(String server, ServerStates states, HangingBorrows borrows) {
    }

    static final long SUSPECT_AFTER_MS = 2_000;

    CappedDataSource(DataSource pool, Semaphore budget, long waitMillis, String what) {
        this(pool, budget, waitMillis, what, null);
    }

    CappedDataSource(DataSource pool, Semaphore budget, long waitMillis, String what, ServerWatch watch) {
        this.pool = pool;
        this.budget = budget;
        this.waitMillis = waitMillis;
        this.what = what;
        this.watch = watch;
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (watch != null && watch.states().isDown(watch.server())) {
            throw new SQLTransientConnectionException("Postgres server '" + watch.server()
                    + "' is down (probed every " + ServerStates.PROBE_EVERY_MS + " ms until it answers)", "08001");
        }
        try {
            if (!budget.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new SQLTransientConnectionException("all " + what + " connections of this core are in use (waited "
                        + waitMillis + " ms)", "08004");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("interrupted waiting for a " + what + " connection", "08004", e);
        }
        Connection c;
        HangingBorrows.Borrow borrow = watch == null ? null : watch.borrows().start(watch.server());
        try {
            c = pool.getConnection();
        } catch (SQLException | RuntimeException e) {
            budget.release();
            if (watch != null && unreachable(e)) {
                // Hikari's timeout carries the last connection failure, which may be an old one: a probe decides
                watch.states().suspect(watch.server());
            }
            throw e;
        } finally {
            if (borrow != null) {
                borrow.close();
            }
        }
        return new PermittedConnection(c, budget);
    }

    /** A failure to connect (SQLSTATE class 08, or the server shutting down or starting: 57P0x), not a busy pool. */
    static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null && !"08004".equals(s.getSQLState())
                    && (s.getSQLState().startsWith("08") || s.getSQLState().startsWith("57P0"))) {
                return true;
            }
            if (t instanceof java.net.ConnectException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("tenant pools have their own credentials");
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return iface.isInstance(this) ? iface.cast(this) : pool.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || pool.isWrapperFor(iface);
    }
}
