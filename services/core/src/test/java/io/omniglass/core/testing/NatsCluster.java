package io.omniglass.core.testing;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.api.ClusterInfo;
import io.nats.client.api.Replica;
import io.omniglass.core.runtime.DataDir;
import io.omniglass.core.runtime.FreePort;
import io.omniglass.core.runtime.NatsAuthorization;
import io.omniglass.core.runtime.NatsServerBinary;
import io.omniglass.core.runtime.NatsUrls;
import io.omniglass.core.runtime.ParentWatchdog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A JetStream cluster of real nats-server processes on loopback (3 nodes for R3), each with its own
 * store and {@code sync_interval: always}, admitting the core's user as a production cluster does.
 * A node can be killed with SIGKILL and started again on the same ports and store (it rejoins).
 * Point cores at it with {@link #env(TestInfra)}.
 */
public final class NatsCluster implements AutoCloseable {

    private static final String PASSWORD = "og-test-cluster-password";
    private final Path dir;
    private final String binary;
    private final int[] clientPorts;
    private final int[] routePorts;
    private final Node[] nodes;

    private record Node(Process process, ParentWatchdog watchdog) {
    }

    private NatsCluster(Path dir, String binary, int size) {
        this.dir = dir;
        this.binary = binary;
        this.clientPorts = IntStream.range(0, size).map(i -> FreePort.pick()).toArray();
        this.routePorts = IntStream.range(0, size).map(i -> FreePort.pick()).toArray();
        this.nodes = new Node[size];
    }

    /** {@code size} nodes, started and with a JetStream meta leader elected. */
    public static NatsCluster start(int size) {
        try {
            NatsCluster c = new NatsCluster(Files.createTempDirectory("og-test-cluster-"),
                    NatsServerBinary.locate(Optional.empty()).path(), size);
            try {
                for (int i = 0; i < size; i++) {
                    c.launch(i);
                }
                c.awaitJetStream(Duration.ofSeconds(60));
                return c;
            } catch (RuntimeException e) {
                c.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int size() {
        return nodes.length;
    }

    public String serverName(int i) {
        return "og-n" + (i + 1);
    }

    /** The node a server name belongs to, e.g. a stream leader's. */
    public int indexOf(String serverName) {
        for (int i = 0; i < nodes.length; i++) {
            if (serverName(i).equals(serverName)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no node " + serverName);
    }

    /** Every node, comma-separated, with the core's credentials: what OMNIGLASS_NATS_URL holds. */
    public String url() {
        return IntStream.range(0, nodes.length).mapToObj(this::url).collect(Collectors.joining(","));
    }

    public String url(int i) {
        return "nats://" + NatsAuthorization.CORE_USER + ":" + PASSWORD + "@127.0.0.1:" + clientPorts[i];
    }

    /** A connection to the whole cluster (the client fails over between the nodes). */
    public Connection connect() throws IOException, InterruptedException {
        return Nats.connect(new Options.Builder().servers(NatsUrls.servers(url())).maxReconnects(-1)
                .reconnectWait(Duration.ofMillis(200)).connectionTimeout(Duration.ofSeconds(5)).build());
    }

    /** The environment pointing a core at {@code pg}'s Postgres and this cluster, streams and buckets R{size}. */
    public Map<String, String> env(TestInfra pg) {
        return Map.of("OMNIGLASS_PG_URL", pg.pgUrl(), "OMNIGLASS_NATS_URL", url(),
                "OMNIGLASS_NATS_REPLICAS", Integer.toString(nodes.length));
    }

    public long pid(int i) {
        return nodes[i].process.pid();
    }

    public boolean alive(int i) {
        return nodes[i] != null && nodes[i].process.isAlive();
    }

    /** SIGKILL: no shutdown, no flush; the store holds what was on disk. */
    public synchronized void kill9(int i) {
        Node n = nodes[i];
        n.watchdog.disarm();
        n.process.destroyForcibly();
        try {
            n.process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts a stopped node again on its ports and store: it rejoins the cluster and catches up. */
    public synchronized void restart(int i) {
        if (alive(i)) {
            throw new IllegalStateException(serverName(i) + " is running");
        }
        try {
            launch(i);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The node leading {@code stream} now. */
    public int streamLeader(Connection nc, String stream) throws IOException, JetStreamApiException {
        ClusterInfo ci = nc.jetStreamManagement().getStreamInfo(stream).getClusterInfo();
        if (ci == null || ci.getLeader() == null) {
            throw new IllegalStateException(stream + " has no leader now");
        }
        return indexOf(ci.getLeader());
    }

    /** True when {@code stream} has a leader and every other replica is current (e.g. a restarted node caught up). */
    public boolean allReplicasCurrent(Connection nc, String stream) {
        try {
            ClusterInfo ci = nc.jetStreamManagement().getStreamInfo(stream).getClusterInfo();
            if (ci == null || ci.getLeader() == null) {
                return false;
            }
            List<Replica> replicas = ci.getReplicas() == null ? List.of() : ci.getReplicas();
            return replicas.size() == nodes.length - 1 && replicas.stream().allMatch(r -> r.isCurrent() && !r.isOffline());
        } catch (IOException | JetStreamApiException e) {
            return false;
        }
    }

    /** What {@code stream}'s leader says of its replicas, for a failure message. */
    public String replicaState(Connection nc, String stream) {
        try {
            io.nats.client.api.StreamInfo info = nc.jetStreamManagement().getStreamInfo(stream);
            ClusterInfo ci = info.getClusterInfo();
            StringBuilder b = new StringBuilder(stream).append(": last seq ").append(info.getStreamState().getLastSequence())
                    .append(", leader ").append(ci == null ? null : ci.getLeader());
            if (ci != null && ci.getReplicas() != null) {
                for (Replica r : ci.getReplicas()) {
                    b.append("; ").append(r.getName()).append(" current=").append(r.isCurrent()).append(" offline=")
                            .append(r.isOffline()).append(" lag=").append(r.getLag()).append(" active=").append(r.getActive());
                }
            }
            return b.toString();
        } catch (IOException | JetStreamApiException | RuntimeException e) {
            return stream + ": " + e;
        }
    }

    /** The last {@code lines} lines of node {@code i}'s log. */
    public String logTail(int i, int lines) {
        String[] all = log(i).split("\n");
        return String.join("\n", java.util.Arrays.copyOfRange(all, Math.max(0, all.length - lines), all.length));
    }

    private void launch(int i) throws IOException {
        Path home = dir.resolve(serverName(i));
        Files.createDirectories(home);
        DataDir.ownerOnlyDirectory(home);
        Path conf = home.resolve("nats-server.conf");
        List<String> routes = new ArrayList<>();
        for (int j = 0; j < nodes.length; j++) {
            if (j != i) {
                routes.add("    nats-route://og-route:" + PASSWORD + "@127.0.0.1:" + routePorts[j]);
            }
        }
        DataDir.writeOwnerOnly(conf, String.join("\n",
                "server_name: " + serverName(i),
                "listen: 127.0.0.1:" + clientPorts[i],
                "max_payload: 8MB",
                "jetstream {",
                "  store_dir: \"" + home.resolve("jetstream") + "\"",
                "  max_memory_store: 64MB",
                "  sync_interval: always",
                "}",
                "cluster {",
                "  name: og-test",
                "  listen: 127.0.0.1:" + routePorts[i],
                "  authorization { user: og-route, password: \"" + PASSWORD + "\" }",
                "  routes: [",
                String.join("\n", routes),
                "  ]",
                "}",
                NatsAuthorization.render(PASSWORD, List.of()),
                ""));
        ProcessBuilder pb = new ProcessBuilder(binary, "-c", conf.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("nats-server.log").toFile()));
        Process p = pb.start();
        nodes[i] = new Node(p, ParentWatchdog.signalPid("KILL", p.pid()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && p.isAlive()) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), clientPorts[i])) {
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        throw new IllegalStateException(serverName(i) + " did not start (see " + home.resolve("nats-server.log") + ")");
    }

    /** Waits until the cluster answers JetStream requests (a meta leader is elected). */
    public void awaitJetStream(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        try (Connection nc = connect()) {
            while (System.nanoTime() < deadline) {
                try {
                    nc.jetStreamManagement().getAccountStatistics();
                    return;
                } catch (IOException | JetStreamApiException e) {
                    last = e;
                    sleep(200);
                }
            }
        } catch (IOException e) {
            last = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("the cluster did not elect a JetStream meta leader in " + timeout, last);
    }

    /** The node's log, to print when a step is not reached. */
    public String log(int i) {
        try {
            return Files.readString(dir.resolve(serverName(i)).resolve("nats-server.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (Node n : nodes) {
            if (n != null && n.process.isAlive()) {
                n.process.destroy();
            }
        }
        for (Node n : nodes) {
            if (n != null) {
                try {
                    if (!n.process.waitFor(10, TimeUnit.SECONDS)) {
                        n.process.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                n.watchdog.disarm();
            }
        }
        TestFiles.deleteQuietly(dir);
    }
}
