package io.omniglass.core.cli;

import io.omniglass.api.DeviceCreated;
import io.omniglass.api.DeviceInfo;
import io.omniglass.api.TenantInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code core device create|list|revoke}: data-lane credentials for a tenant's devices. */
@Command(name = "device", mixinStandardHelpOptions = true, description = "Data-lane credentials for a tenant's devices.",
        subcommands = {DeviceCommands.Create.class, DeviceCommands.ListCmd.class, DeviceCommands.Revoke.class})
final class DeviceCommands implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "use 'device create --tenant SLUG NAME', 'device list [--tenant SLUG]' or 'device revoke ID'");
    }

    /** The devices of {@code tenant}, or of every tenant the token sees. */
    static List<DeviceInfo> devices(CoreAccess core, String tenant) {
        if (tenant != null) {
            return core.client().devices(tenant);
        }
        List<DeviceInfo> all = new ArrayList<>();
        for (TenantInfo t : core.client().tenants()) {
            all.addAll(core.client().devices(t.slug()));
        }
        return all;
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Issue a device credential (an NKey seed, printed once; only its public key is stored).")
    static final class Create implements Callable<Integer> {
        @Mixin
        ConfigOptions config;
        @Option(names = "--tenant", required = true, description = "the tenant whose data lane the device publishes on")
        String tenant;
        @Parameters(index = "0", description = "the device's name, e.g. plc-3")
        String name;

        @Override
        public Integer call() {
            try (CoreAccess core = CoreAccess.open(config.load())) {
                DeviceCreated d = core.client().createDevice(tenant, name);
                System.out.println(d.seed());
                System.err.println("device " + d.device().id() + " '" + d.device().name() + "' of tenant " + tenant
                        + ": the NKey seed above is shown once. The device connects with it (e.g. nats --nkey FILE),"
                        + " publishes on og." + tenant + ".dp.<kind>, and takes its replies on " + d.inboxPrefix() + ".>");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a tenant's device credentials.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        ConfigOptions config;
        @Option(names = "--tenant", description = "the tenant (default: every tenant)")
        String tenant;

        @Override
        public Integer call() {
            try (CoreAccess core = CoreAccess.open(config.load())) {
                System.out.printf("%-6s %-16s %-24s %-8s %-28s %s%n", "ID", "TENANT", "NAME", "STATE", "CREATED", "PUBLIC KEY");
                for (DeviceInfo d : devices(core, tenant)) {
                    System.out.printf("%-6d %-16s %-24s %-8s %-28s %s%n", d.id(), d.tenant(), d.name(),
                            d.revokedAt() == null ? "live" : "revoked", d.createdAt(), d.publicKey());
                }
            }
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a device credential: the nats-server refuses it, and drops its connections, at once.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        ConfigOptions config;
        @Option(names = "--tenant", description = "the device's tenant (default: found by its id)")
        String tenant;
        @Parameters(index = "0", description = "the device's id (see device list)")
        long id;

        @Override
        public Integer call() {
            try (CoreAccess core = CoreAccess.open(config.load())) {
                String of = tenant != null ? tenant : devices(core, null).stream().filter(d -> d.id() == id)
                        .map(DeviceInfo::tenant).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("no device " + id + " (see device list)"));
                DeviceInfo d = core.client().revokeDevice(of, id);
                System.out.println("device " + d.id() + " '" + d.name() + "' of tenant " + of + " revoked at " + d.revokedAt());
            }
            return 0;
        }
    }
}
