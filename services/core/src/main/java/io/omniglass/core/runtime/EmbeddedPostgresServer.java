package io.omniglass.core.runtime;

import io.zonky.test.db.postgres.embedded.OwnedEmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A real Postgres from Maven (zonky binaries) whose data directory lives under the Omniglass data
 * dir, so data survives restarts. Configured for logical decoding and for many tenants.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    static final int MAX_TENANTS = 200;
    private static final Duration LEFTOVER_WAIT = Duration.ofSeconds(180);

    private final OwnedEmbeddedPostgres pg;
    private final ParentWatchdog watchdog;
    private final Path dataDirectory;

    private EmbeddedPostgresServer(OwnedEmbeddedPostgres pg, ParentWatchdog watchdog, Path dataDirectory) {
        this.pg = pg;
        this.watchdog = watchdog;
        this.dataDirectory = dataDirectory;
    }

    /**
     * Starts Postgres on {@code dataDirectory}, closed to other local users: password
     * authentication (scram-sha-256) for every connection, TCP and socket, the superuser's password
     * in {@code passwordFile} (generated on first start, mode 0600), the Unix socket inside the
     * data directory (mode 0700). A data directory made before this (trust authentication) is
     * brought to the same state at its first start.
     */
    public static EmbeddedPostgresServer start(Path dataDirectory, Path passwordFile) throws IOException {
        return start(dataDirectory, passwordFile, FreePort.pick());
    }

    /** As {@link #start(Path, Path)}, on {@code port} (a restarted server keeps its address). */
    public static EmbeddedPostgresServer start(Path dataDirectory, Path passwordFile, int port) throws IOException {
        return start(dataDirectory, passwordFile, port, Size.CONTROL);
    }

    /**
     * How much of the machine one server is given: the control server may hold every tenant (an
     * existing data dir, {@code OMNIGLASS_PG_EMBEDDED_TENANTS=0}); a further server of the data dir
     * holds about {@code OMNIGLASS_PG_EMBEDDED_TENANTS} of them, so it needs fewer connections and
     * less shared memory (ten such servers on one machine take 1.3 GB of buffers, not 2.6 GB).
     */
    public enum Size {
        CONTROL("600", "256MB"),
        FURTHER("400", "128MB");

        final String maxConnections;
        final String sharedBuffers;

        Size(String maxConnections, String sharedBuffers) {
            this.maxConnections = maxConnections;
            this.sharedBuffers = sharedBuffers;
        }
    }

    /** As {@link #start(Path, Path, int)}, sized as {@code size}. */
    public static EmbeddedPostgresServer start(Path dataDirectory, Path passwordFile, int port, Size size) throws IOException {
        Files.createDirectories(dataDirectory);
        DataDir.ownerOnlyDirectory(dataDirectory.getParent());
        stopLeftoverPostmaster(dataDirectory);
        String password = DataDir.readOrCreateSecret(passwordFile);
        boolean fresh = !Files.exists(dataDirectory.resolve("PG_VERSION"));
        int slots = MAX_TENANTS + 20;
        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("listen_addresses", "127.0.0.1");
        // zonky passes -F (fsync off) for tests; the system of record must not lose commits
        conf.put("fsync", "on");
        conf.put("full_page_writes", "on");
        conf.put("synchronous_commit", "on");
        conf.put("wal_level", "logical");
        conf.put("max_replication_slots", Integer.toString(slots));
        conf.put("max_wal_senders", Integer.toString(slots));
        // 180 live tenants keep about two connections each warm (sink, rules, actions at once): at
        // 400 the core's open-connection budget (derived from this, 327) was full under the live
        // load alone and closed other tenants' idle connections, 3.3 new backends a second
        conf.put("max_connections", size.maxConnections);
        conf.put("shared_buffers", size.sharedBuffers);
        conf.put("max_wal_size", "4GB");
        // a shorter interval bounds what the shutdown checkpoint has to write and fsync at stop
        conf.put("checkpoint_timeout", "5min");
        conf.put("wal_sender_timeout", "60s");
        // Full-page images compressed (an 8 kB page image of a tenant's rows takes under 3 kB):
        // every tenant's logical slot reads, checksums and copies every byte of the server's WAL,
        // and the images come in bursts after each checkpoint (11 % of the live fleet's WAL bytes
        // in a sample 1-2 min after one, docs/fleet.md s11-pgprof). pglz is the one method this
        // build has; only the writer pays it, once per page per checkpoint.
        conf.put("wal_compression", "pglz");
        // The launcher visits every database once a naptime: with 1 min and 200 tenant databases a
        // worker was forked every 0.3 s, nearly always to find nothing to do (a tenant's tables are
        // small and mostly appended to; a current value is a HOT update that prunes its own page).
        // Each visit is a process start and a catalog load. Every database is still visited every
        // 10 minutes, and a database near transaction-id wraparound still gets the next worker first.
        conf.put("autovacuum_naptime", "10min");
        // a slot left behind by a dead tenant must never fill the disk
        conf.put("max_slot_wal_keep_size", "8GB");
        conf.put("timezone", "UTC");
        conf.put("logging_collector", "off");
        // the socket where only this user can reach it (the data directory is 0700)
        conf.put("unix_socket_directories", dataDirectory.toAbsolutePath().toString());
        conf.put("password_encryption", "scram-sha-256");
        // initdb's options: no trust anywhere, the superuser's password from the 0600 file
        Map<String, String> initdb = new LinkedHashMap<>();
        initdb.put("auth-host", "scram-sha-256");
        initdb.put("auth-local", "scram-sha-256");
        initdb.put("pwfile", passwordFile.toAbsolutePath().toString());
        ProcessBuilder.Redirect pgLog = ProcessBuilder.Redirect.appendTo(dataDirectory.resolveSibling("postgres.log").toFile());
        // armed before the postmaster exists: a kill -9 while Postgres is starting must stop it too
        // (the watchdog reads the pid file only when we die). SIGINT is Postgres' fast shutdown:
        // clean, no recovery needed at the next start
        ParentWatchdog watchdog = ParentWatchdog.signalPidFile("INT", dataDirectory.resolve("postmaster.pid").toString());
        OwnedEmbeddedPostgres pg;
        try {
            pg = new OwnedEmbeddedPostgres(dataDirectory.toFile(), conf, port, new BundledPgBinaries(),
                    pgLog, pgLog, Duration.ofSeconds(60), fresh ? initdb : Map.of(), Map.of("password", password));
            if (!fresh) {
                PgAuthentication.closeTrust(dataDirectory, pg.getPort(), password);
            }
            PgAuthentication.cheapVerifierForGeneratedSecret(pg.getPort(), password);
        } catch (IOException | RuntimeException e) {
            watchdog.close(); // it stops whatever half-started postmaster the pid file names
            throw e;
        }
        log.info("embedded Postgres on 127.0.0.1:{} (data {})", pg.getPort(), dataDirectory);
        return new EmbeddedPostgresServer(pg, watchdog, dataDirectory);
    }

    /** A postmaster left running by a core that was killed: stop it before we start ours. */
    static void stopLeftoverPostmaster(Path dataDirectory) throws IOException {
        Optional<Long> pid = postmasterPid(dataDirectory);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.get());
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return;
        }
        log.warn("a Postgres left by an earlier run (pid {}) holds {}; stopping it", pid.get(), dataDirectory);
        new ProcessBuilder("kill", "-INT", pid.get().toString()).start();
        // its shutdown checkpoint may be under way already (a core killed while stopping): let it finish
        long deadline = System.nanoTime() + LEFTOVER_WAIT.toNanos();
        while (handle.get().isAlive() && System.nanoTime() < deadline) {
            Sleep.quietly(100);
        }
        if (handle.get().isAlive()) {
            throw new IOException("Postgres pid " + pid.get() + " still holds " + dataDirectory + " after "
                    + LEFTOVER_WAIT.toSeconds() + " s");
        }
    }

    static Optional<Long> postmasterPid(Path dataDirectory) {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
            return first.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(first));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }


    public int port() {
        return pg.getPort();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + pg.getPort() + "/" + database;
    }

    public Optional<Long> pid() {
        return postmasterPid(dataDirectory);
    }

    /** The directory of the running server's binaries (pg_basebackup, pg_ctl, ...). */
    public Optional<Path> binDirectory() {
        return pid().flatMap(ProcessHandle::of).flatMap(h -> h.info().command()).map(c -> Path.of(c).getParent());
    }

    /**
     * SIGKILL to the postmaster and every backend, as a crash of the machine would end them (for
     * failure tests); the next {@link #start} on the same directory runs crash recovery.
     */
    public void kill9() {
        Optional<ProcessHandle> postmaster = pid().flatMap(ProcessHandle::of);
        postmaster.ifPresent(p -> {
            java.util.List<ProcessHandle> all = new java.util.ArrayList<>(p.descendants().toList());
            all.add(0, p);
            all.forEach(ProcessHandle::destroyForcibly);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (all.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
                Sleep.quietly(20);
            }
        });
        watchdog.disarm();
        try {
            pg.stop(); // releases zonky's lock on the directory (its pg_ctl stop finds nothing to stop)
        } catch (IOException | RuntimeException e) {
            log.debug("after kill -9: {}", e.toString());
        }
    }

    /**
     * Stops Postgres and waits until the postmaster has really exited: pg_ctl gives up waiting after
     * a few seconds on a busy machine while the shutdown checkpoint is still running.
     */
    @Override
    public void close() throws IOException {
        Optional<ProcessHandle> postmaster = pid().flatMap(ProcessHandle::of);
        pg.stop();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (postmaster.isPresent() && postmaster.get().isAlive() && System.nanoTime() < deadline) {
            Sleep.quietly(50);
        }
        watchdog.disarm();
    }
}
