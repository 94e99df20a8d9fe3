package io.omniglass.core.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.junit.jupiter.api.Test;
import org.postgresql.PGProperty;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * By hand: {@code ./mvnw -B -q -o -pl services/core test -Dtest=ConnectionSetupBench -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.logins=N -Dbench.out=FILE}). What one Postgres login costs in CPU, client and
 * server side, with the superuser's verifier at 4096 iterations (initdb's default) and at
 * {@value PgAuthentication#GENERATED_SECRET_ITERATIONS} (what the embedded server now gives its
 * generated secret): N logins a round, pooled-style (open, {@code SELECT 1}, close) and replication
 * ({@code replication=database}, as the CDC's sessions), rounds interleaved so that the shared
 * machine's load falls on both alike. The client's CPU is this thread's; the server's is the
 * postmaster's own plus its reaped children's (the backends exit at close), from /proc.
 */
class ConnectionSetupBench {

    @Test
    void loginCost() throws Exception {
        int logins = Integer.getInteger("bench.logins", 200);
        int rounds = Integer.getInteger("bench.rounds", 3);
        Path root = Files.createTempDirectory("og-login-bench-");
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Object> out = new LinkedHashMap<>();
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start(root.resolve("data"), root.resolve("postgres.password"))) {
            String secret = Files.readString(root.resolve("postgres.password")).trim();
            long postmaster = pg.pid().orElseThrow();
            Map<String, double[]> sums = new LinkedHashMap<>();
            for (int round = 0; round < rounds + 1; round++) {
                for (int iterations : new int[]{4096, PgAuthentication.GENERATED_SECRET_ITERATIONS}) {
                    setVerifier(pg, secret, iterations);
                    for (boolean replication : new boolean[]{false, true}) {
                        long c0 = threads.getCurrentThreadCpuTime();
                        double s0 = serverSeconds(postmaster);
                        long t0 = System.nanoTime();
                        for (int i = 0; i < logins; i++) {
                            login(pg, secret, replication);
                        }
                        long wall = System.nanoTime() - t0;
                        double client = (threads.getCurrentThreadCpuTime() - c0) / 1e6;
                        double server = (serverSeconds(postmaster) - s0) * 1000;
                        if (round == 0) {
                            continue; // warm-up: class loading, JIT
                        }
                        double[] acc = sums.computeIfAbsent((replication ? "replication" : "pooled") + "_iterations_" + iterations, k -> new double[3]);
                        acc[0] += client;
                        acc[1] += server;
                        acc[2] += wall / 1e6;
                    }
                }
            }
            Map<String, Object> results = new LinkedHashMap<>();
            int n = logins * rounds;
            sums.forEach((k, v) -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("logins", n);
                m.put("client_cpu_ms_per_login", Math.round(v[0] / n * 1000) / 1000.0);
                m.put("server_cpu_ms_per_login", Math.round(v[1] / n * 1000) / 1000.0);
                m.put("wall_ms_per_login", Math.round(v[2] / n * 1000) / 1000.0);
                results.put(k, m);
            });
            out.put("results", results);
        } finally {
            io.omniglass.core.testing.TestFiles.deleteQuietly(root);
        }
        out.put("load_average_at_end", Files.readString(Path.of("/proc/loadavg")).trim());
        out.put("command", "./mvnw -B -q -o -pl services/core test -Dtest=ConnectionSetupBench -Dsurefire.failIfNoSpecifiedTests=false"
                + " -Dbench.logins=" + logins + " -Dbench.rounds=" + rounds);
        String json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
        System.out.println(json);
        String file = System.getProperty("bench.out");
        if (file != null) {
            Files.writeString(Path.of(file), json + "\n");
        }
    }

    private static void setVerifier(EmbeddedPostgresServer pg, String secret, int iterations) throws Exception {
        byte[] salt = new byte[16];
        new java.security.SecureRandom().nextBytes(salt);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), "postgres", secret); Statement st = c.createStatement()) {
            st.execute("ALTER ROLE postgres PASSWORD '" + PgAuthentication.scramVerifier(secret, salt, iterations) + "'");
        }
    }

    private static void login(EmbeddedPostgresServer pg, String secret, boolean replication) throws Exception {
        Properties p = new Properties();
        PGProperty.USER.set(p, "postgres");
        PGProperty.PASSWORD.set(p, secret);
        if (replication) {
            PGProperty.REPLICATION.set(p, "database");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
            PGProperty.PREFER_QUERY_MODE.set(p, "simple");
        }
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), p); Statement st = c.createStatement()) {
            st.execute(replication ? "IDENTIFY_SYSTEM" : "SELECT 1");
        }
    }

    /** The postmaster's CPU and its reaped children's (utime, stime, cutime, cstime), in seconds. */
    private static double serverSeconds(long pid) throws Exception {
        String st = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        return ticks / 100.0;
    }
}
