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
 * A streaming read replica of a running Postgres, made from a base backup with the primary's own
 * binaries and started as a hot standby on a port of its own. {@link #stop()} ends it (fast shutdown); {@link #start()} brings it back.
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
     * A base backup of the server at 127.0.0.1:{@code primaryPort} (superuser postgres), whose data
     * directory is {@code primaryData}, started as a hot standby streaming from it. zonky's bundle
     * has no pg_basebackup (and Debian bookworm's is 15, which refuses a 17 server), so the backup
     * is what pg_basebackup does, by hand: a physical slot that keeps the WAL, {@code
     * pg_backup_start}, a copy of the directory (without WAL, slots and the pid file), {@code
     * pg_backup_stop}'s backup label, then {@code standby.signal} and {@code primary_conninfo}.
     */
    public static StreamingReplica of(Path binDirectory, Path primaryData, int primaryPort, String password) {
        String slot = "og_test_replica_" + Long.toHexString(System.nanoTime());
        try (Connection primary = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + primaryPort + "/postgres",
                "postgres", password); java.sql.Statement st = primary.createStatement()) {
            Path dir = Files.createTempDirectory("og-test-replica-");
            Path data = dir.resolve("data");
            st.execute("SELECT pg_create_physical_replication_slot('" + slot + "', true)");
            st.execute("SELECT pg_backup_start('omniglass test replica', true)");
            copy(primaryData, data);
            try (java.sql.ResultSet rs = st.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(true)")) {
                rs.next();
                Files.writeString(data.resolve("backup_label"), rs.getString(1));
                if (rs.getString(2) != null && !rs.getString(2).isEmpty()) {
                    Files.writeString(data.resolve("tablespace_map"), rs.getString(2));
                }
            }
            Files.writeString(data.resolve("standby.signal"), "");
            Files.writeString(data.resolve("postgresql.auto.conf"), "\nprimary_conninfo = 'host=127.0.0.1 port=" + primaryPort
                    + " user=postgres password=" + password + " application_name=og_test_replica'\nprimary_slot_name = '" + slot + "'\n",
                    java.nio.file.StandardOpenOption.APPEND, java.nio.file.StandardOpenOption.CREATE);
            StreamingReplica r = new StreamingReplica(binDirectory, dir, FreePort.pick(), password);
            r.start();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException("base backup: " + e.getMessage(), e);
        }
    }

    private static final java.util.Set<String> EMPTIED = java.util.Set.of("pg_wal", "pg_replslot", "pg_stat_tmp", "pg_snapshots",
            "pg_subtrans", "pg_dynshmem", "pg_notify", "pg_serial");
    private static final java.util.Set<String> SKIPPED = java.util.Set.of("postmaster.pid", "postmaster.opts", "backup_label",
            "tablespace_map", "standby.signal", "recovery.signal");

    /** The data directory without what a base backup leaves out (files may vanish while it is copied). */
    private static void copy(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path rel = from.relativize(p);
                if (rel.getNameCount() > 1 && EMPTIED.contains(rel.getName(0).toString())
                        || rel.getNameCount() == 1 && SKIPPED.contains(rel.toString())) {
                    continue;
                }
                Path target = to.resolve(rel.toString());
                try {
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && !rel.toString().startsWith(".s.PGSQL")) { // not the socket or its lock file
                        Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // dropped while copied: WAL replay recreates whatever the backup needs
                }
            }
        } catch (java.io.UncheckedIOException e) {
            if (!(e.getCause() instanceof java.nio.file.NoSuchFileException)) {
                throw e;
            }
        }
        Files.createDirectories(to.resolve("pg_wal").resolve("archive_status"));
        Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
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
                "max_connections=400", "max_wal_senders=240", "max_replication_slots=240", "wal_level=logical",
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
