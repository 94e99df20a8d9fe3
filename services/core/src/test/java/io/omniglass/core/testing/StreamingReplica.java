package io.omniglass.core.testing;

import io.omniglass.core.runtime.FreePort;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A streaming read replica of a running Postgres, made by pg_basebackup and started with the
 * primary's own binaries as a hot standby on a port of its own. {@link #stop()} ends it (fast shutdown); {@link #start()} brings it back.
 */
public final class StreamingReplica implements AutoCloseable {

    private final Path bin;
    private final Path dir;
    private final int port;
    private final String password;
    private Process postmaster;

    private StreamingReplica(Path bin, Path dir, int port, String password) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.password = password;
    }

    /**
     * A base backup of the server at 127.0.0.1:{@code primaryPort} (superuser postgres) made by
     * {@code pg_basebackup -R -X stream} of the same major version (Debian's, fetched by
     * packaging/postgres-client/fetch.sh: zonky's bundle has none), started with {@code
     * binDirectory}'s postgres as a hot standby streaming from it through a physical slot of its own.
     */
    public static StreamingReplica of(Path binDirectory, int primaryPort, String password) {
        String slot = "og_test_replica_" + Long.toHexString(System.nanoTime());
        try {
            Path dir = Files.createTempDirectory("og-test-replica-");
            PgClientTools.run("pg_basebackup", List.of(
                    "--dbname=host=127.0.0.1 port=" + primaryPort + " user=postgres password=" + password + " application_name=og_test_replica",
                    "--pgdata=" + dir.resolve("data"), "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast",
                    "--create-slot", "--slot=" + slot, "--no-sync"), // a test's replica: no host crash to survive
                    null, dir.resolve("basebackup.log"), 3);
            StreamingReplica r = new StreamingReplica(binDirectory, dir, FreePort.pick(), password);
            r.start();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @deprecated the data directory is not needed since pg_basebackup makes the backup: {@link #of(Path, int, String)} */
    @Deprecated
    public static StreamingReplica of(Path binDirectory, Path primaryData, int primaryPort, String password) {
        return of(binDirectory, primaryPort, password);
    }

    /**
     * Starts the standby and waits until it accepts connections: the postgres binary itself, as
     * zonky runs it (in a user namespace of its own when we are root: Postgres refuses root).
     */
    public synchronized void start() {
        // the primary's settings ride on its command line, not in the copied postgresql.conf: a hot
        // standby needs at least the primary's connection and worker limits
        List<String> cmd = new ArrayList<>();
        if (ProcessHandle.current().info().user().map("root"::equals).orElse(false)) {
            cmd.addAll(List.of("unshare", "-U")); // what zonky does: Postgres refuses to run as root
        }
        cmd.addAll(List.of(bin.resolve("postgres").toString(), "-D", dir.resolve("data").toString(), "-p", Integer.toString(port)));
        for (String c : List.of("listen_addresses=127.0.0.1", "unix_socket_directories=" + dir, "hot_standby=on",
                "max_connections=600", "max_wal_senders=240", "max_replication_slots=240", "wal_level=logical",
                "logging_collector=off", "shared_buffers=128MB")) {
            cmd.add("-c");
            cmd.add(c);
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("replica.log").toFile()));
            postmaster = pb.start();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (true) {
                try (Connection c = connect("postgres")) {
                    return;
                } catch (SQLException notYet) {
                    if (!postmaster.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("the replica did not start: " + Files.readString(dir.resolve("replica.log")));
                    }
                    Thread.sleep(200);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the standby (SIGINT, fast shutdown: its clients are disconnected) and waits for it. */
    public synchronized void stop() {
        if (postmaster == null || !postmaster.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid())).start().waitFor();
            if (!postmaster.waitFor(2, TimeUnit.MINUTES)) {
                postmaster.destroyForcibly();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/";
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl() + database, "postgres", password);
    }

    @Override
    public void close() {
        try {
            stop();
        } catch (RuntimeException e) {
            // already stopped
        }
        TestFiles.deleteQuietly(dir);
    }
}
