package io.omniglass.core.plant;

import io.nats.client.Connection;
import io.nats.client.Nats;
import io.omniglass.core.devices.DeviceCredential;
import io.omniglass.core.devices.DeviceModule;
import io.omniglass.core.CoreContext;
import io.omniglass.core.tenancy.Tenant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The demo tenant's plant: imported (idempotently) and simulated inside the demo's own core. */
public final class DemoPlant {

    private static final Logger log = LoggerFactory.getLogger(DemoPlant.class);

    private DemoPlant() {
    }

    /**
     * Imports the demo plant into {@code tenant} and starts simulating it on a daemon thread; closing
     * the handle stops the simulator and waits for it, so it never publishes into a closing core.
     */
    public static AutoCloseable start(CoreContext ctx, Tenant tenant) throws Exception {
        var tree = PlantDescription.demoTree();
        PlantImporter.importPlant(io.omniglass.core.gateway.Gateway.forCore(ctx).system(tenant,
                io.omniglass.core.gateway.SystemPurpose.PLANT_IMPORT), tree, "demo");
        // the simulated plant is a device like any other: its own credential, confined to the tenant's lane
        String seed = DeviceModule.issue(ctx, tenant.slug(), "demo-plant").seed();
        Connection device = Nats.connect(DeviceCredential.options(ctx.infrastructure().publicNatsUrl(), seed)
                .maxReconnects(-1).build());
        PlantSimulator sim = new PlantSimulator(tenant.slug(), device, PlantDescription.fromTree(tree)).listen();
        Thread t = new Thread(() -> {
            try {
                sim.run(1, 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.error("the demo plant simulator stopped", e);
            }
        }, "og-demo-plant");
        t.setDaemon(true);
        t.start();
        return () -> {
            sim.close();
            t.join(5_000);
            device.close();
        };
    }
}
