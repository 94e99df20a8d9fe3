package io.omniglass.core.tenancy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.omniglass.core.runtime.DaemonThreads;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * By hand: {@code ./mvnw -B -q -pl services/core -am test -Dtest=CappedBorrowBench -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.borrows=N -Dbench.threads=T -Dbench.out=FILE}). What the tenant pools' cap
 * ({@link CappedDataSource}, with its server watch, as {@link TenantDatabases} builds it) adds to
 * a borrow: the same Hikari pool on a real Postgres is borrowed from bare and through the cap,
 * interleaved round by round, on {@code T} threads at once, each borrow doing what a point read
 * does on the connection (prepare, bind, execute {@code SELECT 1}, read, close). The cap as it was
 * before (a timer task per borrow, a reflective proxy) runs in the same run for the ratio. Reports the mean
 * nanoseconds a borrow-and-close costs with no statement (the cap's own cost) and the p50/p99 of
 * the whole point read.
 */
class CappedBorrowBench {

    static final int BORROWS = Integer.getInteger("bench.borrows", 100_000);
    static final int READS = Integer.getInteger("bench.reads", 10_000);
    static final int THREADS = Integer.getInteger("bench.threads", 4);
    static final int ROUNDS = Integer.getInteger("bench.rounds", 5);

    @Test
    void whatTheCapAddsToABorrow() throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            HikariConfig hc = new HikariConfig();
            hc.setJdbcUrl(pg.getJdbcUrl("postgres", "postgres"));
            hc.setMaximumPoolSize(THREADS);
            hc.setPoolName("bench");
            ScheduledThreadPoolExecutor probes = new ScheduledThreadPoolExecutor(1, DaemonThreads.named("bench-probe"));
            probes.setRemoveOnCancelPolicy(true);
            try (HikariDataSource pool = new HikariDataSource(hc)) {
                ServerStates states = new ServerStates(name -> null, probes);
                states.known("default");
                Map<String, DataSource> kinds = new LinkedHashMap<>();
                kinds.put("bare_hikari", pool);
                kinds.put("capped", new CappedDataSource(pool, new Semaphore(THREADS * 2, true), 30_000, "bench",
                        new CappedDataSource.ServerWatch("default", states, new HangingBorrows(probes, CappedDataSource.SUSPECT_AFTER_MS, states::suspect))));
                kinds.put("capped_before", new CapBefore(pool, new Semaphore(THREADS * 2, true), states, probes));

                String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
                Map<String, long[]> borrowNanos = new LinkedHashMap<>();
                Map<String, List<Long>> roundNanos = new LinkedHashMap<>();
                Map<String, Histogram> reads = new LinkedHashMap<>();
                kinds.keySet().forEach(k -> {
                    borrowNanos.put(k, new long[1]);
                    roundNanos.put(k, new ArrayList<>());
                    reads.put(k, new Histogram(TimeUnit.SECONDS.toNanos(10), 3));
                });
                // a warm-up round of each, not counted: the JIT compiles both paths first
                for (DataSource ds : kinds.values()) {
                    borrowOnly(ds, BORROWS / 4);
                    pointReads(ds, READS / 4, new Histogram(TimeUnit.SECONDS.toNanos(10), 3));
                }
                for (int r = 0; r < ROUNDS; r++) {
                    for (Map.Entry<String, DataSource> k : kinds.entrySet()) {
                        long took = borrowOnly(k.getValue(), BORROWS);
                        borrowNanos.get(k.getKey())[0] += took;
                        roundNanos.get(k.getKey()).add(took);
                        pointReads(k.getValue(), READS, reads.get(k.getKey()));
                    }
                }
                String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();

                Map<String, Object> out = new LinkedHashMap<>();
                Map<String, Object> results = new LinkedHashMap<>();
                long borrows = (long) ROUNDS * BORROWS * THREADS;
                for (String k : kinds.keySet()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    double perBorrow = borrowNanos.get(k)[0] / (double) borrows;
                    m.put("borrow_and_close_ns_mean", Math.round(perBorrow));
                    m.put("borrow_and_close_ns_best_round", Math.round(java.util.Collections.min(roundNanos.get(k)) / (double) BORROWS / THREADS));
                    Histogram h = reads.get(k);
                    m.put("point_read_us_p50", h.getValueAtPercentile(50) / 1000.0);
                    m.put("point_read_us_p99", h.getValueAtPercentile(99) / 1000.0);
                    m.put("point_reads", h.getTotalCount());
                    results.put(k, m);
                    System.out.printf("%-14s borrow+close %,7.0f ns   point read p50 %,8.1f us p99 %,8.1f us%n", k, perBorrow,
                            h.getValueAtPercentile(50) / 1000.0, h.getValueAtPercentile(99) / 1000.0);
                }
                for (String k : List.of("capped", "capped_before")) {
                    results.put(k + "_overhead_ns_per_borrow_best_round", Math.round((java.util.Collections.min(roundNanos.get(k))
                            - java.util.Collections.min(roundNanos.get("bare_hikari"))) / (double) BORROWS / THREADS));
                }
                out.put("results", results);
                Map<String, Object> set = new LinkedHashMap<>();
                set.put("threads", THREADS);
                set.put("rounds", ROUNDS);
                set.put("borrows_per_thread_per_round", BORROWS);
                set.put("point_reads_per_thread_per_round", READS);
                set.put("borrow", "getConnection(); close() (a borrow with no statement: what the cap itself costs per borrow)");
                set.put("point_read", "getConnection(); prepareStatement(SELECT ?); setLong; executeQuery; next; getLong; close all");
                set.put("postgres", "embedded (zonky), loopback");
                set.put("cpus", Runtime.getRuntime().availableProcessors());
                out.put("settings", set);
                out.put("load_average_before", loadBefore);
                out.put("load_average_after", loadAfter);
                out.put("command", "./mvnw -B -q -pl services/core -am test -Dtest=CappedBorrowBench -Dsurefire.failIfNoSpecifiedTests=false");
                Path file = Paths.get(System.getProperty("bench.out", "../../docs/bench/capped-borrow.json"));
                Files.writeString(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out) + "\n");
                System.out.println("written to " + file.toAbsolutePath());
                // every permit came back and no server was suspected
                assertThat(states.down()).isEmpty();
            } finally {
                probes.shutdownNow();
            }
        }
    }

    /**
     * The cap as it was before session 6, kept here only to be measured in the same run: a timer
     * task scheduled and cancelled on every borrow, and a reflective proxy of every JDBC call.
     */
    private static final class CapBefore implements DataSource {
        private final DataSource pool;
        private final Semaphore budget;
        private final ServerStates states;
        private final java.util.concurrent.ScheduledExecutorService timer;

        CapBefore(DataSource pool, Semaphore budget, ServerStates states, java.util.concurrent.ScheduledExecutorService timer) {
            this.pool = pool;
            this.budget = budget;
            this.states = states;
            this.timer = timer;
        }

        @Override
        public Connection getConnection() throws java.sql.SQLException {
            if (states.isDown("default")) {
                throw new java.sql.SQLTransientConnectionException("down", "08001");
            }
            try {
                if (!budget.tryAcquire(30_000, TimeUnit.MILLISECONDS)) {
                    throw new java.sql.SQLTransientConnectionException("busy", "08004");
                }
            } catch (InterruptedException e) {
                throw new java.sql.SQLTransientConnectionException("interrupted", "08004", e);
            }
            Connection c;
            var hanging = timer.schedule(() -> states.suspect("default"), CappedDataSource.SUSPECT_AFTER_MS, TimeUnit.MILLISECONDS);
            try {
                c = pool.getConnection();
            } catch (java.sql.SQLException | RuntimeException e) {
                budget.release();
                throw e;
            } finally {
                hanging.cancel(false);
            }
            java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
            return (Connection) java.lang.reflect.Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[]{Connection.class},
                    (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "close" -> {
                                try {
                                    c.close();
                                } finally {
                                    if (released.compareAndSet(false, true)) {
                                        budget.release();
                                    }
                                }
                                return null;
                            }
                            case "unwrap" -> {
                                Class<?> type = (Class<?>) args[0];
                                return type.isInstance(proxy) ? proxy : c.unwrap(type);
                            }
                            case "isWrapperFor" -> {
                                Class<?> type = (Class<?>) args[0];
                                return type.isInstance(proxy) || c.isWrapperFor(type);
                            }
                            case "equals" -> {
                                return proxy == args[0];
                            }
                            case "hashCode" -> {
                                return System.identityHashCode(proxy);
                            }
                            case "toString" -> {
                                return "capped " + c;
                            }
                            default -> {
                                try {
                                    return method.invoke(c, args);
                                } catch (java.lang.reflect.InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            }
                        }
                    });
        }

        @Override
        public Connection getConnection(String username, String password) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.io.PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(java.io.PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public java.util.logging.Logger getParentLogger() {
            return null;
        }

        @Override
        public <T> T unwrap(Class<T> iface) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }

    /** Nanoseconds all threads spent borrowing and closing {@code n} connections each. */
    private static long borrowOnly(DataSource ds, int n) throws Exception {
        return onThreads(() -> {
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                try (Connection c = ds.getConnection()) {
                    if (c.isClosed()) {
                        throw new AssertionError("closed");
                    }
                }
            }
            return System.nanoTime() - t0;
        });
    }

    private static void pointReads(DataSource ds, int n, Histogram into) throws Exception {
        onThreads(() -> {
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT ?::bigint")) {
                    ps.setLong(1, i);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        if (rs.getLong(1) != i) {
                            throw new AssertionError("wrong answer");
                        }
                    }
                }
                long took = System.nanoTime() - t0;
                synchronized (into) {
                    into.recordValue(Math.min(took, into.getHighestTrackableValue()));
                }
            }
            return 0L;
        });
    }

    private interface Work {
        long run() throws Exception;
    }

    private static long onThreads(Work work) throws Exception {
        List<Thread> threads = new ArrayList<>();
        long[] sums = new long[THREADS];
        Throwable[] failed = new Throwable[1];
        CountDownLatch start = new CountDownLatch(1);
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    sums[id] = work.run();
                } catch (Throwable e) {
                    failed[0] = e;
                }
            }, "bench-" + t);
            th.start();
            threads.add(th);
        }
        start.countDown();
        long total = 0;
        for (int t = 0; t < THREADS; t++) {
            threads.get(t).join();
            total += sums[t];
        }
        if (failed[0] != null) {
            throw new AssertionError(failed[0]);
        }
        return total;
    }
}
