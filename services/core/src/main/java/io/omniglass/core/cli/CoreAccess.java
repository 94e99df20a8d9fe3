package io.omniglass.core.cli;

import io.omniglass.api.OmniglassClient;
import io.omniglass.core.CoreService;
import io.omniglass.core.runtime.DataDir;
import io.omniglass.core.runtime.OmniglassConfig;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How a CLI command reaches the core: through the running core of this data dir (its endpoints and
 * admin token), or, when none runs, through a short-lived core of its own on the same data dir.
 * Either way the command speaks the HTTP API, so both paths behave the same.
 */
final class CoreAccess implements AutoCloseable {

    private final OmniglassClient client;
    private final CoreService ownCore;
    private final Map<String, String> endpoints;

    private CoreAccess(OmniglassClient client, CoreService ownCore, Map<String, String> endpoints) {
        this.client = client;
        this.ownCore = ownCore;
        this.endpoints = endpoints;
    }

    static CoreAccess open(OmniglassConfig config) {
        return open(config, List.of());
    }

    /** As {@link #open(OmniglassConfig)}; a core of its own runs {@code modules} (the routes the command needs). */
    static CoreAccess open(OmniglassConfig config, List<io.omniglass.core.CoreModule> modules) {
        DataDir dataDir = new DataDir(config.dataDir());
        Optional<Map<String, String>> endpoints = dataDir.readEndpoints();
        if (dataDir.coreRunning() && endpoints.isPresent()) {
            String token = dataDir.readAdminToken().orElseThrow(() ->
                    new IllegalStateException("a core is running but " + dataDir.adminTokenFile() + " is missing"));
            return new CoreAccess(new OmniglassClient(endpoints.get().get("http"), token, tls(config)), null, endpoints.get());
        }
        // the routes the commands use beyond the core's own: plant import, device credentials
        // (granted on the nats-server this short-lived core starts), and what the command adds
        List<io.omniglass.core.CoreModule> own = new java.util.ArrayList<>(List.of(
                new io.omniglass.core.plant.PlantModule(), new io.omniglass.core.devices.DeviceModule()));
        own.addAll(modules);
        CoreService core = new CoreService(own).start(config.withHttpPort(0));
        String token = dataDir.readAdminToken().orElseThrow();
        return new CoreAccess(new OmniglassClient(core.httpUrl(), token, tls(config)), core,
                dataDir.readEndpoints().orElse(Map.of()));
    }

    /** An HTTPS core of this data dir is trusted by its own certificate (the CLI runs beside it). */
    private static javax.net.ssl.SSLContext tls(OmniglassConfig config) {
        if (!config.httpTls()) {
            return null;
        }
        try {
            return io.omniglass.api.TlsTrust.trustFile(java.nio.file.Path.of(config.httpTlsCert().orElseThrow()));
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the core's certificate " + config.httpTlsCert().get() + ": " + e.getMessage(), e);
        }
    }

    OmniglassClient client() {
        return client;
    }

    boolean viaRunningCore() {
        return ownCore == null;
    }

    Map<String, String> endpoints() {
        return endpoints;
    }

    @Override
    public void close() {
        if (ownCore != null) {
            ownCore.close();
        }
    }
}
