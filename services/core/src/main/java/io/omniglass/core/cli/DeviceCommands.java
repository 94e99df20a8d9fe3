package io.omniglass.core.cli;

import io.omniglass.api.DeviceCreated;
import io.omniglass.api.DeviceInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code core device create|list|revoke}: data-lane credentials for a tenant's devices. */
@Command(name = "device", mixinStandardHelpOptions = true, description = "Data-lane credentials for a tenant's devices.",
        subcommands = {DeviceCommands.Create.class, DeviceCommands.ListCmd.class, DeviceCommands.Revoke.class})
final class DeviceCommands implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "use 'device create --tenant SLUG NAME', 'device list' or 'device revoke'");
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
        @Option(names = "--tenant", required = true, description = "the tenant")
        String tenant;

        @Override
        public Integer call() {
            try (CoreAccess core = CoreAccess.open(config.load())) {
                System.out.printf("%-6s %-24s %-10s %-26s %s%n", "ID", "NAME", "STATE", "CREATED", "PUBLIC KEY");
                for (DeviceInfo d : core.client().devices(tenant)) {
                    System.out.printf("%-6d %-24s %-10s %-26s %s%n", d.id(), d.name(),
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
        @Option(names = "--tenant", required = true, description = "the tenant")
        String tenant;
        @Parameters(index = "0", description = "the device's id (see device list)")
        long id;

        @Override
        public Integer call() {
            try (CoreAccess core = CoreAccess.open(config.load())) {
                DeviceInfo d = core.client().revokeDevice(tenant, id);
                System.out.println("device " + d.id() + " '" + d.name() + "' of tenant " + tenant + " revoked at " + d.revokedAt());
            }
            return 0;
        }
    }
}
