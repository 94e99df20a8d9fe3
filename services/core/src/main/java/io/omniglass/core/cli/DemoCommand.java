package io.omniglass.core.cli;

import io.omniglass.core.CoreService;
import io.omniglass.core.Modules;
import io.omniglass.core.runtime.OmniglassConfig;
import io.omniglass.core.tenancy.Tenant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.Map;
import java.util.concurrent.Callable;

/** ./omniglass demo: the embedded default with a live demo tenant. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start Postgres and NATS (embedded), the core and a 'demo' tenant, and print the endpoints.")
final class DemoCommand implements Callable<Integer> {

    static final String DEMO_TENANT = "demo";

    @Mixin
    ConfigOptions config;

    @Override
    public Integer call() throws Exception {
        OmniglassConfig cfg = config.load();
        CoreService core = new CoreService(Modules.all()).start(cfg);
        if (core.context().tenants().find(DEMO_TENANT).isEmpty()) {
            core.context().provisioner().create(DEMO_TENANT, "Demo plant", "demo");
        }
        Tenant demo = core.context().tenants().find(DEMO_TENANT).orElseThrow();
        AutoCloseable plant = io.omniglass.core.plant.DemoPlant.start(core.context(), demo); // feeds the data lane
        Map<String, String> endpoints = core.context().dataDir().readEndpoints().orElse(Map.of());
        System.out.println();
        System.out.println("Omniglass demo is running (Ctrl-C stops it).");
        System.out.println("  tenant:      " + demo.slug() + " (" + demo.displayName() + ")");
        System.out.println("  http:        " + endpoints.get("http"));
        System.out.println("  nats:        " + endpoints.get("nats"));
        System.out.println("  postgres:    " + endpoints.get("pg") + " (databases: omniglass_control, " + demo.databaseName() + ")");
        System.out.println("  admin token: " + core.context().dataDir().adminTokenFile());
        System.out.println("  endpoints:   " + core.context().dataDir().endpointsFile());
        System.out.println("  try:         curl -H \"Authorization: Bearer $(cat " + core.context().dataDir().adminTokenFile()
                + ")\" " + endpoints.get("http") + "/api/v1/tenants");
        ConsoleLauncher.openIfDisplay(endpoints.get("http"), core.context().dataDir().adminTokenFile(), core.context().dataDir().root());
        CoreCommand.runUntilStopped(core, plant);
        return 0;
    }
}
