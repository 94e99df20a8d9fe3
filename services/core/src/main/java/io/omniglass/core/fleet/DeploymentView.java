package io.omniglass.core.fleet;

import io.nats.client.Connection;
import io.nats.client.api.ServerInfo;
import io.omniglass.api.FleetHealth;
import io.omniglass.core.tenancy.PostgresServers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The deployment as this core knows it without asking anyone: the cores from its CDC lease watch,
 * the NATS servers from its connection (the server it is on and the cluster's client URLs the
 * server announced), and the Postgres servers from their probe.
 */
final class DeploymentView {

    private DeploymentView() {
    }

    static List<FleetHealth.CoreInstance> cores(String me, Map<String, Duration> lastSeen, Map<String, String> holders,
                                                Duration leaseTtl) {
        Map<String, Integer> leases = new java.util.TreeMap<>();
        holders.values().forEach(h -> leases.merge(h, 1, Integer::sum));
        Set<String> ids = new java.util.TreeSet<>(lastSeen.keySet());
        ids.add(me);
        List<FleetHealth.CoreInstance> out = new ArrayList<>();
        for (String id : ids) {
            Duration ago = lastSeen.get(id);
            String state = id.equals(me) ? "up" : ago == null || ago.compareTo(leaseTtl) > 0 ? "silent" : "up";
            out.add(new FleetHealth.CoreInstance(id, id.equals(me), state,
                    ago == null ? null : ago.toMillis() / 1000.0, leaseTtl == null ? null : leases.getOrDefault(id, 0)));
        }
        return out;
    }

    static List<FleetHealth.NatsServer> nats(Connection nats) {
        List<FleetHealth.NatsServer> out = new ArrayList<>();
        ServerInfo info = nats.getServerInfo();
        String connected = withoutCredentials(nats.getConnectedUrl());
        String state = nats.getStatus().name().toLowerCase(java.util.Locale.ROOT);
        if (connected != null) {
            out.add(new FleetHealth.NatsServer(connected, info == null ? null : info.getServerName(),
                    info == null ? null : info.getVersion(), info == null ? null : info.getCluster(), state));
        }
        Set<String> others = new LinkedHashSet<>();
        Collection<String> configured = nats.getServers();
        if (configured != null) {
            configured.forEach(u -> others.add(withoutCredentials(u)));
        }
        if (info != null && info.getConnectURLs() != null) {
            info.getConnectURLs().forEach(u -> others.add(withoutCredentials(u.contains("://") ? u : "nats://" + u)));
        }
        for (String u : others) {
            if (u != null && !sameServer(u, connected)) {
                // not the one this core talks to: known from the configuration or the cluster's gossip
                out.add(new FleetHealth.NatsServer(u, null, null, info == null ? null : info.getCluster(), "standby"));
            }
        }
        return out;
    }

    static List<FleetHealth.PostgresServer> postgres(List<PostgresServers.Health> servers) {
        return servers.stream().map(s -> new FleetHealth.PostgresServer(s.name(), s.address(), s.control(),
                s.up() ? (Boolean.TRUE.equals(s.inRecovery()) ? "standby" : "up") : "down",
                s.version(), s.inRecovery(), s.tenants().size(), s.error())).toList();
    }

    private static boolean sameServer(String a, String b) {
        return b != null && hostPort(a).equals(hostPort(b));
    }

    private static String hostPort(String url) {
        try {
            java.net.URI u = java.net.URI.create(url);
            String host = "localhost".equals(u.getHost()) ? "127.0.0.1" : u.getHost();
            return host + ":" + (u.getPort() < 0 ? 4222 : u.getPort());
        } catch (RuntimeException e) {
            return url;
        }
    }

    /** nats://user:password@host:port names a secret: the board shows nats://host:port. */
    static String withoutCredentials(String url) {
        if (url == null) {
            return null;
        }
        int scheme = url.indexOf("://");
        int at = url.lastIndexOf('@');
        return scheme >= 0 && at > scheme ? url.substring(0, scheme + 3) + url.substring(at + 1) : url;
    }
}
