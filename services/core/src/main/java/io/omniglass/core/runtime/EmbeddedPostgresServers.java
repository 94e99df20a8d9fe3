package io.omniglass.core.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The embedded Postgres servers of one data dir: the control server (which also holds the first
 * tenants) and the further servers a fleet's tenants are spread over. Every logical slot decodes its
 * whole server's WAL, so 200 tenants on one server read each WAL byte 200 times; on servers of 20
 * tenants each, 20 times (docs/fleet.md). They share the superuser password, each has its own port,
 * data directory, log and watchdog, and all start and stop together.
 *
 * <p>A further server is ready once it has started once: {@code ready} is written next to its
 * {@code data/} after that start. A directory without it is what a crash left of an initdb, never
 * held a tenant (servers are registered only when ready), and is removed.
 */
public final class EmbeddedPostgresServers implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServers.class);
    public static final String NAME_PREFIX = "embedded-";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(NAME_PREFIX) + "([1-9][0-9]{0,5})");
    private static final String READY = "ready";

    private final DataDir dataDir;
    private final EmbeddedPostgresServer control;
    /** name → server, in the order of their numbers. */
    private final Map<String, EmbeddedPostgresServer> further = new LinkedHashMap<>();
    private int lastNumber;

    private EmbeddedPostgresServers(DataDir dataDir, EmbeddedPostgresServer control, int lastNumber) {
        this.dataDir = dataDir;
        this.control = control;
        this.lastNumber = lastNumber;
    }

    /** Starts the control server, then every ready further server of the data dir, side by side. */
    public static EmbeddedPostgresServers start(DataDir dataDir) throws IOException {
        EmbeddedPostgresServer control = EmbeddedPostgresServer.start(dataDir.postgresData(), dataDir.postgresPasswordFile());
        List<String> ready = new ArrayList<>();
        int last = 1;
        try {
            for (Path dir : directories(dataDir)) {
                String name = dir.getFileName().toString();
                last = Math.max(last, number(name));
                if (Files.exists(dir.resolve(READY))) {
                    ready.add(name);
                } else {
                    log.warn("removing {}: an embedded Postgres server whose first start never finished", dir);
                    EmbeddedPostgresServer.stopLeftoverPostmaster(dir.resolve("data"));
                    FileTrees.deleteQuietly(dir);
                }
            }
        } catch (IOException | RuntimeException e) {
            close(control);
            throw e;
        }
        EmbeddedPostgresServers servers = new EmbeddedPostgresServers(dataDir, control, last);
        if (ready.isEmpty()) {
            return servers;
        }
        ExecutorService starters = Executors.newFixedThreadPool(Math.min(ready.size(), 4), DaemonThreads.numbered("og-pg-start-"));
        try {
            Map<String, Future<EmbeddedPostgresServer>> starting = new LinkedHashMap<>();
            for (String name : ready) {
                starting.put(name, starters.submit(() -> startOne(dataDir, name)));
            }
            IOException failed = null;
            for (Map.Entry<String, Future<EmbeddedPostgresServer>> e : starting.entrySet()) {
                try {
                    servers.further.put(e.getKey(), e.getValue().get());
                } catch (Exception ex) {
                    Throwable cause = ex instanceof java.util.concurrent.ExecutionException ? ex.getCause() : ex;
                    if (failed == null) {
                        failed = new IOException("embedded Postgres server " + e.getKey() + " did not start: " + cause.getMessage(), cause);
                    }
                }
            }
            if (failed != null) {
                // its tenants' registered address would name a port that is now someone else's
                servers.close();
                throw failed;
            }
        } finally {
            starters.shutdown();
        }
        return servers;
    }

    private static EmbeddedPostgresServer startOne(DataDir dataDir, String name) throws IOException {
        Path dir = dataDir.furtherPostgresServers().resolve(name);
        return EmbeddedPostgresServer.start(dir.resolve("data"), dataDir.postgresPasswordFile(), FreePort.pick(),
                EmbeddedPostgresServer.Size.FURTHER);
    }

    private static List<Path> directories(DataDir dataDir) throws IOException {
        Path root = dataDir.furtherPostgresServers();
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory)
                    .filter(p -> NAME.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(p -> number(p.getFileName().toString())))
                    .toList();
        }
    }

    private static int number(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an embedded server name: " + name);
        }
        return Integer.parseInt(m.group(1));
    }

    public EmbeddedPostgresServer control() {
        return control;
    }

    /** The further servers' names and ports, in the order they were made. */
    public synchronized Map<String, Integer> furtherPorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        further.forEach((name, server) -> ports.put(name, server.port()));
        return ports;
    }

    /**
     * Makes and starts one more server (initdb, a few seconds), ready when this returns; its name is
     * the next number, never one a removed directory had.
     */
    public String startAnother() throws IOException {
        String name;
        synchronized (this) {
            name = NAME_PREFIX + (++lastNumber);
        }
        Path dir = dataDir.furtherPostgresServers().resolve(name);
        Files.createDirectories(dir);
        DataDir.ownerOnlyDirectory(dir);
        EmbeddedPostgresServer server = startOne(dataDir, name);
        try {
            Files.writeString(dir.resolve(READY), "");
        } catch (IOException | RuntimeException e) {
            close(server);
            throw e;
        }
        synchronized (this) {
            further.put(name, server);
        }
        log.info("embedded Postgres server {} made and started on 127.0.0.1:{}", name, server.port());
        return name;
    }

    /** Every postmaster, the control server's first. */
    public synchronized List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        control.pid().ifPresent(pids::add);
        further.values().forEach(s -> s.pid().ifPresent(pids::add));
        return pids;
    }

    /** Stops every server side by side (each a shutdown checkpoint), the control server with them. */
    @Override
    public void close() {
        List<EmbeddedPostgresServer> all;
        synchronized (this) {
            all = new ArrayList<>(further.values());
        }
        all.add(control);
        List<Thread> stopping = new ArrayList<>();
        for (EmbeddedPostgresServer s : all) {
            Thread t = new Thread(() -> close(s), "og-pg-stop");
            t.setDaemon(true);
            t.start();
            stopping.add(t);
        }
        for (Thread t : stopping) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void close(EmbeddedPostgresServer server) {
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            log.warn("stopping embedded Postgres: {}", e.toString());
        }
    }
}
