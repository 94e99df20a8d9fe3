package io.omniglass.core.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A {@code nats-server -js} child process with its store under the Omniglass data dir. */
public final class NatsServerProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NatsServerProcess.class);
    public static final String INSTALL_HINT =
            "nats-server not found: run packaging/nats-server/fetch.sh (2.10 from Debian's packages), install "
                    + "nats-server 2.10 or newer, or set NATS_SERVER_BIN to its path";

    private final Process process;
    private final ParentWatchdog watchdog;
    private final int port;
    private final Path authFile;
    private final String corePassword;

    private NatsServerProcess(Process process, ParentWatchdog watchdog, int port, Path authFile, String corePassword) {
        this.process = process;
        this.watchdog = watchdog;
        this.port = port;
        this.authFile = authFile;
        this.corePassword = corePassword;
    }

    public static NatsServerProcess start(Path storeDir, Optional<String> configuredBinary) throws IOException {
        return start(storeDir, configuredBinary, 0);
    }

    /**
     * {@code fixedPort} 0 picks a free port; otherwise the server listens there (e.g. a restart keeps its URL).
     * The server admits authenticated clients only: the core's user, whose password is generated
     * into {@code core.password} beside the store (mode 0600) and kept across restarts, and the
     * device credentials {@link #authorize} grants.
     */
    public static NatsServerProcess start(Path storeDir, Optional<String> configuredBinary, int fixedPort) throws IOException {
        return start(storeDir, configuredBinary, fixedPort, List.of());
    }

    public static NatsServerProcess start(Path storeDir, Optional<String> configuredBinary, int fixedPort,
                                          List<NatsAuthorization.DeviceGrant> devices) throws IOException {
        String binary = NatsServerBinary.locate(configuredBinary).path();
        Files.createDirectories(storeDir);
        Path home = storeDir.toAbsolutePath().getParent();
        DataDir.ownerOnlyDirectory(home);
        DataDir.ownerOnlyDirectory(storeDir);
        String corePassword = DataDir.readOrCreateSecret(home.resolve("core.password"));
        Path authFile = home.resolve("authorization.conf");
        DataDir.writeOwnerOnly(authFile, NatsAuthorization.render(corePassword, devices));
        Path pidFile = storeDir.resolve("nats-server.pid");
        stopLeftover(pidFile);
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = fixedPort > 0 ? fixedPort : FreePort.pick();
            Path conf = storeDir.toAbsolutePath().resolve("nats-server.conf");
            // JetStream durability: the CDC slot advances on PubAck and the sink acks after commit,
            // so an acknowledged message must be on disk, not in the page cache (a power loss
            // would lose it): sync_interval always, which needs nats-server 2.10+ (NatsServerBinary)
            DataDir.writeOwnerOnly(conf, String.join("\n",
                    "listen: 127.0.0.1:" + port,
                    // nats-server resolves an include against the including file's directory, absolute or not
                    "include \"" + conf.getParent().relativize(authFile) + "\"",
                    "server_name: omniglass-embedded",
                    "max_payload: 8MB",
                    "jetstream {",
                    "  store_dir: \"" + storeDir.toAbsolutePath() + "\"",
                    "  max_memory_store: 256MB",
                    "  sync_interval: always",
                    // a ceiling, not the publisher's size (CdcSession.MAX_BATCH): nats-server's default
                    // of 1,000 messages an atomic batch kept bench cdc --store-matrix from measuring larger ones
                    "  limits { batch { max_msgs: 10000 } }",
                    "}",
                    ""));
            ProcessBuilder pb = new ProcessBuilder(List.of(binary, "-c", conf.toString(), "-P", pidFile.toString()));
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(storeDir.resolveSibling("nats-server.log").toFile()));
            Process p = pb.start();
            // right after the fork: the window before it is the JVM's own (a kill -9 there leaves a
            // nats-server that the next start finds by its pid file and stops)
            ParentWatchdog watchdog = ParentWatchdog.signalPid("TERM", p.pid());
            if (waitForPort(port, p, Duration.ofSeconds(20))) {
                log.info("embedded nats-server on 127.0.0.1:{} (store {})", port, storeDir);
                return new NatsServerProcess(p, watchdog, port, authFile, corePassword);
            }
            p.destroyForcibly();
            watchdog.disarm();
            last = new IOException("nats-server did not start on port " + port + " (see " + storeDir.resolveSibling("nats-server.log") + ")");
        }
        throw last;
    }

    /** A durable nats-server's path (see {@link NatsServerBinary}), or empty when there is none. */
    public static Optional<String> locate(Optional<String> configured) {
        try {
            return Optional.of(NatsServerBinary.locate(configured).path());
        } catch (MissingNatsServerException e) {
            return Optional.empty();
        }
    }

    private static void stopLeftover(Path pidFile) throws IOException {
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            Optional<ProcessHandle> h = ProcessHandle.of(pid);
            if (h.isPresent() && h.get().isAlive() && h.get().info().command().orElse("").contains("nats-server")) {
                log.warn("a nats-server left by an earlier run (pid {}) holds the store; stopping it", pid);
                h.get().destroy();
                h.get().onExit().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            log.debug("stale pid file {}: {}", pidFile, e.toString());
        }
        Files.deleteIfExists(pidFile);
    }

    private static boolean waitForPort(int port, Process p, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                return false;
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    /** The URL the core connects with: its credentials ride in it (never print or publish it; see {@link #publicUrl}). */
    public String url() {
        return "nats://" + NatsAuthorization.CORE_USER + ":" + corePassword + "@127.0.0.1:" + port;
    }

    /** The URL without credentials: for endpoints.json, logs and people. */
    public String publicUrl() {
        return "nats://127.0.0.1:" + port;
    }

    /**
     * Grants exactly these device credentials (and the core's user): the authorization file is
     * rewritten and the server reloads it (SIGHUP) without a restart. A client whose credential
     * is gone is disconnected by the server at the reload.
     */
    public synchronized void authorize(List<NatsAuthorization.DeviceGrant> devices) throws IOException {
        String rendered = NatsAuthorization.render(corePassword, devices);
        if (java.nio.file.Files.exists(authFile) && java.nio.file.Files.readString(authFile).equals(rendered)) {
            // nothing changed (a core's start): a reload would only drop connections in their handshake
            return;
        }
        DataDir.writeOwnerOnly(authFile, rendered);
        Path serverLog = authFile.resolveSibling("nats-server.log");
        long reloadsBefore = reloads(serverLog);
        try {
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IOException("signalling nats-server " + process.pid() + " to reload failed");
            }
            // the signal only asks: a credential issued now must work once this returns, so wait
            // for the server to say it has reloaded
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reloads(serverLog) <= reloadsBefore) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    throw new IOException("nats-server " + process.pid() + " did not reload its authorization (see " + serverLog + ")");
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reloading nats-server", e);
        }
    }

    /** How often the server's log says it reloaded its configuration. */
    private static long reloads(Path serverLog) throws IOException {
        if (!Files.exists(serverLog)) {
            return 0;
        }
        try (var lines = Files.lines(serverLog, java.nio.charset.StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.contains("Reloaded server configuration")).count();
        } catch (java.io.UncheckedIOException e) {
            return 0; // a line cut mid-character while the server writes: count again next time
        }
    }

    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watchdog.disarm();
    }

    /** The one clear line a user sees when nats-server is not installed. */
    public static final class MissingNatsServerException extends IllegalStateException {
        public MissingNatsServerException(String message) {
            super(message);
        }
    }
}
