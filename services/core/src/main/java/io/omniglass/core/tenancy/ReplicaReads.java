package io.omniglass.core.tenancy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.omniglass.core.runtime.PgServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Which server answers a read that may lag (history, aggregates, fleet current values): a read
 * replica of the tenant's server whose replay lag is within {@code OMNIGLASS_REPLICA_MAX_LAG},
 * else the primary. A replica's lag is asked when a read needs it and the last answer is older than
 * {@link #CHECK_EVERY}, on the reader's thread over one kept connection (nothing polls an idle
 * deployment); a replica that does not stream from its primary, or cannot be reached, is not used.
 * Lag is the age of the last replayed commit while WAL received is still being replayed, and zero
 * once everything received is replayed (an idle primary sends nothing to replay).
 */
final class ReplicaReads implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaReads.class);
    static final Duration CHECK_EVERY = Duration.ofSeconds(1);
    private static final Duration LIST_EVERY = Duration.ofSeconds(10);
    private static final int CHECK_TIMEOUT_S = 2;
    static final String LAG_SQL = "SELECT (SELECT status FROM pg_stat_wal_receiver) = 'streaming',"
            + " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            + " ELSE coalesce(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END";

    private final ServerDirectory directory;
    private final Duration maxLag;
    private final Map<String, Replica> replicas = new ConcurrentHashMap<>();
    private final Map<String, Listed> listed = new ConcurrentHashMap<>();
    private final Map<String, Counter> reads = new ConcurrentHashMap<>();
    private volatile MeterRegistry metrics;

    private record Listed(List<String> names, long at) {
    }

    ReplicaReads(ServerDirectory directory, Duration maxLag) {
        this.directory = directory;
        this.maxLag = maxLag;
    }

    void bindTo(MeterRegistry registry) {
        this.metrics = registry;
    }

    /** The replica of {@code primary} to read from now, if one is close enough behind. */
    Optional<String> choose(String primary) {
        if (maxLag.isZero()) {
            return Optional.empty();
        }
        for (String name : replicasOf(primary)) {
            Replica r = replicas.computeIfAbsent(name, n -> new Replica(n, directory.connection(n)));
            if (r.usable(maxLag)) {
                return Optional.of(name);
            }
        }
        return Optional.empty();
    }

    /** A read on a replica failed to connect: do not use it until its next check says otherwise. */
    void failed(String replica) {
        Replica r = replicas.get(replica);
        if (r != null) {
            r.distrust();
        }
    }

    /** Counts a lag-tolerant read by the server that served it ({@code og_pg_reads_total{target}}). */
    void served(String target, String role) {
        MeterRegistry registry = metrics;
        if (registry != null) {
            reads.computeIfAbsent(target, t -> Counter.builder("og.pg.reads")
                    .description("reads that may lag (history, aggregates, fleet current values), by the server that served them")
                    .tag("target", t).tag("role", role).register(registry)).increment();
        }
    }

    private List<String> replicasOf(String primary) {
        long now = System.nanoTime();
        Listed l = listed.get(primary);
        if (l == null || now - l.at() > LIST_EVERY.toNanos()) {
            l = new Listed(directory.replicaNames(primary), now);
            listed.put(primary, l);
        }
        return l.names();
    }

    @Override
    public void close() {
        replicas.values().forEach(Replica::close);
        replicas.clear();
    }

    /** One replica's last known lag, refreshed by at most one reader at a time. */
    private static final class Replica {
        private final String name;
        private final PgServer server;
        private final ReentrantLock checking = new ReentrantLock();
        private volatile long checkedAt;
        private volatile boolean streaming;
        private volatile double lagSeconds = Double.MAX_VALUE;
        private Connection connection;

        Replica(String name, PgServer server) {
            this.name = name;
            this.server = server;
        }

        boolean usable(Duration maxLag) {
            if (System.nanoTime() - checkedAt > CHECK_EVERY.toNanos() && checking.tryLock()) {
                try {
                    check();
                } finally {
                    checking.unlock();
                }
            }
            return streaming && lagSeconds * 1000 <= maxLag.toMillis();
        }

        void distrust() {
            streaming = false;
            checkedAt = System.nanoTime();
        }

        private void check() {
            boolean wasUsable = streaming;
            try {
                if (connection == null || connection.isClosed()) {
                    connection = open();
                }
                try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery(LAG_SQL)) {
                    rs.next();
                    streaming = rs.getBoolean(1);
                    lagSeconds = rs.getDouble(2);
                }
            } catch (SQLException e) {
                streaming = false;
                closeQuietly();
                if (wasUsable) {
                    log.warn("read replica {} cannot be reached ({}): its reads go to the primary", name, e.getMessage());
                }
            } finally {
                checkedAt = System.nanoTime();
            }
        }

        private Connection open() throws SQLException {
            Properties p = new Properties();
            p.setProperty("user", server.user());
            if (server.password() != null) {
                p.setProperty("password", server.password());
            }
            p.setProperty("connectTimeout", Integer.toString(CHECK_TIMEOUT_S));
            p.setProperty("socketTimeout", Integer.toString(CHECK_TIMEOUT_S));
            p.setProperty("ApplicationName", "omniglass-core replica lag");
            return DriverManager.getConnection(server.jdbcUrl("postgres"), p);
        }

        private void closeQuietly() {
            try {
                if (connection != null) {
                    connection.close();
                }
            } catch (SQLException ignored) {
                // it is gone either way
            }
            connection = null;
        }

        synchronized void close() {
            closeQuietly();
        }
    }
}
