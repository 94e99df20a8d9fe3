package io.omniglass.core.tenancy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The budget of connections this core's tenant pools may hold OPEN on one Postgres server, all
 * tenants together (OMNIGLASS_PG_OPEN_CONNECTIONS), apart from the budgets of connections in use.
 * A pool's new connection takes a place before it is opened and gives it back when it is closed.
 * When the budget is full, the connections of the least recently used other pool of the server
 * are closed to make room (Hikari's soft eviction), preferring a pool with none in use, then one
 * with an idle one. A connection in use is never closed under its borrower: it closes when given
 * back, and the opener waits for that, at most the pool's connection timeout. Any tenant can so
 * get a connection however many other pools hold theirs.
 *
 * <p>Derived (0, the default), the budget is the server's {@code max_connections} less its reserved
 * connections and what else this core opens there (the control pool, the server pool, two per CDC
 * session, a tenth as headroom), read from the first connection opened. Nothing runs while the
 * budget has room: it is a semaphore, and a scan of the server's pools only when it is full.
 */
final class OpenConnections {

    private static final Logger log = LoggerFactory.getLogger(OpenConnections.class);
    /** Connections the core opens on a server outside the tenant pools: its control pool and the server pool. */
    static final int CONTROL_AND_SERVER_POOLS = 10 + 4;

    private final String server;
    private final int cdcSessions;
    private final long waitNanos;
    /** Fair: a place freed for a waiting opener goes to it, not to another pool's next open. */
    private final Semaphore places = new Semaphore(0, true);
    private final Object sizing = new Object();
    private volatile int limit;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger peak = new AtomicInteger();
    private final AtomicLong closedForOthers = new AtomicLong();
    private final Set<ShrinkWhenQuiet> pools = ConcurrentHashMap.newKeySet();

    /** {@code configured}: the budget, or 0 to derive it from the server's {@code max_connections}. */
    OpenConnections(String server, int configured, int cdcSessions, long waitMillis) {
        this.server = server;
        this.cdcSessions = cdcSessions;
        this.waitNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
        if (configured > 0) {
            limit = configured;
            places.release(configured);
        }
    }

    /** The budget (0 until the first connection when derived). */
    int limit() {
        return limit;
    }

    /** Connections open through this budget now, and the most at once. */
    int open() {
        return open.get();
    }

    int peak() {
        return peak.get();
    }

    /** How many times a full budget closed another pool's idle connections. */
    long closedForOthers() {
        return closedForOthers.get();
    }

    /** {@code maxConnections} less the reserved ones and what the core opens elsewhere on the server; at least 1. */
    static int derived(int maxConnections, int reserved, int cdcSessions) {
        int headroom = Math.max(10, maxConnections / 10);
        return Math.max(1, maxConnections - reserved - CONTROL_AND_SERVER_POOLS - 2 * cdcSessions - headroom);
    }

    /**
     * The pool's source of new connections: {@code driver} behind this budget. {@code pool} is
     * the pool's use (whose idle connections may be closed for another pool, and that is never
     * closed for its own opens).
     */
    DataSource source(DataSource driver, ShrinkWhenQuiet pool) {
        pools.removeIf(ShrinkWhenQuiet::closed); // evicted tenants' pools, also when the budget is never full
        pools.add(pool);
        return new Source(driver, pool);
    }

    private interface Opener {
        Connection open() throws SQLException;
    }

    private Connection open(ShrinkWhenQuiet forPool, Opener opener) throws SQLException {
        if (limit == 0) {
            synchronized (sizing) {
                if (limit == 0) {
                    // nothing is open through the budget yet: this first connection tells its size
                    Connection c = opener.open();
                    int size;
                    try {
                        size = derivedFrom(c);
                    } catch (SQLException | RuntimeException e) {
                        c.close();
                        throw e;
                    }
                    places.release(size - 1);
                    limit = size;
                    log.info("Postgres server {}: at most {} tenant connections open at once", server, size);
                    return counted(c);
                }
            }
        }
        take(forPool);
        try {
            return counted(opener.open());
        } catch (SQLException | RuntimeException e) {
            places.release();
            throw e;
        }
    }

    private int derivedFrom(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('max_connections')::int,"
                     + " current_setting('superuser_reserved_connections')::int"
                     + " + coalesce(current_setting('reserved_connections', true), '0')::int")) {
            rs.next();
            return derived(rs.getInt(1), rs.getInt(2), cdcSessions);
        }
    }

    /** A place for a new connection: at once while there is room, else by closing another pool's idle ones. */
    private void take(ShrinkWhenQuiet forPool) throws SQLException {
        long deadline = System.nanoTime() + waitNanos;
        try {
            // the timed form keeps the order: behind any opener already waiting
            if (places.tryAcquire(0, TimeUnit.NANOSECONDS)) {
                return;
            }
            while (true) {
                ShrinkWhenQuiet other = leastRecentlyUsed(forPool);
                if (other != null) {
                    other.giveUpConnections();
                    closedForOthers.incrementAndGet();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new SQLTransientConnectionException("all " + limit + " tenant connections this core may open on Postgres server '"
                            + server + "' are in use (waited " + TimeUnit.NANOSECONDS.toMillis(waitNanos) + " ms)", "53300");
                }
                // an idle connection closed (on Hikari's own thread, within moments), one given back
                // by its borrower, or another pool's close frees a place; one pool's room a while
                // (not one per 50 ms per waiter, which closed every new connection again at once)
                long step = TimeUnit.MILLISECONDS.toNanos(250);
                if (places.tryAcquire(Math.min(left, step), TimeUnit.NANOSECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException("interrupted waiting for room on Postgres server '" + server + "'", "53300", e);
        }
    }

    /**
     * The pool to take room from: the least recently used of the server's other pools whose
     * connections are all idle; failing that, the least recently used one with an idle connection;
     * failing that (every open connection in use), the least recently used one holding any, whose
     * connections then close as they are given back.
     */
    private ShrinkWhenQuiet leastRecentlyUsed(ShrinkWhenQuiet except) {
        ShrinkWhenQuiet best = null;
        int bestFit = Integer.MAX_VALUE;
        long bestUse = 0;
        for (ShrinkWhenQuiet p : pools) {
            if (p.closed()) {
                pools.remove(p);
                continue;
            }
            if (p == except) {
                continue;
            }
            int fit = p.fitness();
            if (fit == ShrinkWhenQuiet.NOTHING) {
                continue;
            }
            long use = p.lastUse();
            if (fit < bestFit || (fit == bestFit && use - bestUse < 0)) {
                best = p;
                bestFit = fit;
                bestUse = use;
            }
        }
        return best;
    }

    private Connection counted(Connection c) {
        int now = open.incrementAndGet();
        peak.accumulateAndGet(now, Math::max);
        AtomicBoolean given = new AtomicBoolean();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                (proxy, method, args) -> {
                    String name = method.getName();
                    if ((name.equals("close") || name.equals("abort")) && given.compareAndSet(false, true)) {
                        try {
                            return method.invoke(c, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        } finally {
                            open.decrementAndGet();
                            places.release();
                        }
                    }
                    switch (name) {
                        case "equals":
                            return proxy == args[0];
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "toString":
                            return c.toString();
                        default:
                            try {
                                return method.invoke(c, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                    }
                });
    }

    /** What a Hikari pool opens its connections from: the driver, behind the budget. */
    private final class Source implements DataSource {
        private final DataSource driver;
        private final ShrinkWhenQuiet pool;

        Source(DataSource driver, ShrinkWhenQuiet pool) {
            this.driver = driver;
            this.pool = pool;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return open(pool, driver::getConnection);
        }

        @Override
        public Connection getConnection(String username, String password) throws SQLException {
            return open(pool, () -> driver.getConnection(username, password));
        }

        @Override
        public PrintWriter getLogWriter() throws SQLException {
            return driver.getLogWriter();
        }

        @Override
        public void setLogWriter(PrintWriter out) throws SQLException {
            driver.setLogWriter(out);
        }

        @Override
        public void setLoginTimeout(int seconds) throws SQLException {
            driver.setLoginTimeout(seconds);
        }

        @Override
        public int getLoginTimeout() throws SQLException {
            return driver.getLoginTimeout();
        }

        @Override
        public java.util.logging.Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return driver.getParentLogger();
        }

        @Override
        public <T> T unwrap(Class<T> iface) throws SQLException {
            return driver.unwrap(iface);
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) throws SQLException {
            return driver.isWrapperFor(iface);
        }
    }
}
