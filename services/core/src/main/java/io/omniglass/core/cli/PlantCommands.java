package io.omniglass.core.cli;

import io.omniglass.core.runtime.OmniglassConfig;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.omniglass.api.DeviceCreated;
import io.omniglass.core.devices.DeviceCredential;
import io.omniglass.core.plant.PlantDescription;
import io.omniglass.core.plant.PlantSimulator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code core import} and {@code core simulate}: the plant side of the data lane. */
final class PlantCommands {

    private PlantCommands() {
    }

    /** The URL without the core's {@code user:password@}: a device authenticates with its own credential. */
    private static String publicUrl(String urls) {
        return urls.replaceAll("([a-z]+://)[^@/,]*@", "$1");
    }

    static Map<String, Object> importTree(CoreAccess core, String tenant, JsonNode tree) {
        return core.client().post("/api/v1/tenants/" + tenant + "/import", tree, new TypeReference<Map<String, Object>>() { });
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Load a plant description (locations, systems, components, nodes, datapoint types, rules; YAML or JSON) idempotently.")
    static final class Import implements Callable<Integer> {
        @Mixin
        ConfigOptions config;
        @Option(names = "--tenant", required = true, description = "the tenant slug")
        String tenant;
        @Parameters(paramLabel = "FILE", description = "YAML or JSON plant description")
        Path file;

        @Override
        public Integer call() throws Exception {
            JsonNode tree = PlantDescription.parseTree(Files.readString(file));
            try (CoreAccess core = CoreAccess.open(config.load())) {
                Map<String, Object> counts = importTree(core, tenant, tree);
                System.out.println("imported " + file + " into tenant " + tenant + ": " + counts);
            }
            return 0;
        }
    }

    @Command(name = "simulate", mixinStandardHelpOptions = true,
            description = "Publish simulated datapoints on a tenant's data lane: the demo plant (default) or N synthetic series.")
    static final class Simulate implements Callable<Integer> {
        @Mixin
        ConfigOptions config;
        @Option(names = "--tenant", required = true, description = "the tenant slug")
        String tenant;
        @Option(names = "--series", description = "synthetic load: N metric series (components sim-00000...) instead of the plant")
        Integer series;
        @Option(names = "--rate", description = "plant: samples of every signal per second (default 1); --series: datapoints per second (default 1000)")
        Double rate;
        @Option(names = "--duration", defaultValue = "0", description = "seconds to run (default: until Ctrl-C)")
        long duration;
        @Option(names = "--plant", description = "plant description to simulate (default: the demo plant)")
        Path plant;

        @Override
        public Integer call() throws Exception {
            OmniglassConfig cfg = config.load();
            try (CoreAccess core = CoreAccess.open(cfg)) {
                JsonNode tree = series != null ? PlantSimulator.syntheticPlant(series)
                        : plant != null ? PlantDescription.parseTree(Files.readString(plant)) : PlantDescription.demoTree();
                importTree(core, tenant, tree); // owners and keys must exist before their datapoints
                String natsUrl = cfg.natsUrl().orElse(core.endpoints().get("nats"));
                if (natsUrl == null || natsUrl.isBlank()) {
                    throw new IllegalStateException("no NATS URL: set OMNIGLASS_NATS_URL or start the core");
                }
                if (!core.viaRunningCore()) {
                    System.err.println("no core is running for this data dir: datapoints wait in JetStream until one starts");
                }
                // the simulator is a device like any other: a credential of its own, revoked when it stops
                DeviceCreated device = core.client().createDevice(tenant,
                        "simulate-" + Long.toString(System.currentTimeMillis(), 36));
                try (Connection nats = Nats.connect(DeviceCredential.options(publicUrl(natsUrl), device.seed()).build())) {
                    long sent;
                    if (series != null) {
                        double r = rate == null ? 1000 : rate;
                        System.out.printf("simulating %d series at %.0f datapoints/s on og.%s.dp.metric%n", series, r, tenant);
                        sent = PlantSimulator.runSynthetic(tenant, nats, series, r, duration);
                    } else {
                        PlantSimulator sim = new PlantSimulator(tenant, nats, PlantDescription.fromTree(tree)).listen();
                        Runtime.getRuntime().addShutdownHook(new Thread(sim::close));
                        System.out.printf("simulating plant '%s' for tenant %s (commands on og.%s.cmd)%n",
                                tree.path("name").asText(), tenant, tenant);
                        sim.run(rate == null ? 1 : rate, duration);
                        sent = sim.published();
                    }
                    System.out.printf("published %,d datapoints%n", sent);
                } finally {
                    core.client().revokeDevice(tenant, device.device().id());
                }
            }
            return 0;
        }
    }
}
