package io.omniglass.core.cli;

import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.TenantInfo;
import io.omniglass.api.TokenCreated;
import io.omniglass.core.CoreService;
import io.omniglass.core.Modules;
import io.omniglass.core.runtime.OmniglassConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;

/** ./omniglass core ...: the headless core service and its administration. */
@Command(name = "core", mixinStandardHelpOptions = true, description = "The core service and its administration.",
        subcommands = {CoreCommand.Serve.class, CoreCommand.Migrate.class, CoreCommand.TenantCmd.class,
                CoreCommand.TokenCmd.class, DeviceCommands.class, PlantCommands.Import.class, PlantCommands.Simulate.class,
                LifecycleCommands.Maintain.class, LifecycleCommands.Retention.class, ServerCommands.class})
final class CoreCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a core command");
    }

    /** Runs until SIGTERM or Ctrl-C; the shutdown hook stops Postgres and nats-server with it. */
    static void runUntilStopped(CoreService core, AutoCloseable... before) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // what feeds the core stops first, so nothing publishes into a closing core
            for (AutoCloseable c : before) {
                try {
                    c.close();
                } catch (Exception e) {
                    Thread.currentThread().interrupt();
                }
            }
            core.close();
            stopped.countDown();
        }, "omniglass-shutdown"));
        stopped.await();
    }

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the core service (embedded Postgres and NATS unless configured otherwise).")
    static final class Serve implements Callable<Integer> {
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() throws Exception {
            OmniglassConfig cfg = config.load();
            CoreService core = new CoreService(Modules.all()).start(cfg);
            System.out.println("omniglass core running");
            System.out.println("  http:        " + core.httpUrl());
            System.out.println("  endpoints:   " + core.context().dataDir().endpointsFile());
            System.out.println("  admin token: " + core.context().dataDir().adminTokenFile());
            runUntilStopped(core);
            return 0;
        }
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true, description = "Apply control and tenant migrations and run the idempotent boot phase.")
    static final class Migrate implements Callable<Integer> {
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            try (CoreAccess core = CoreAccess.open(config.load())) {
                if (core.viaRunningCore()) {
                    core.client().post("/api/v1/admin/migrate", java.util.Map.of(), new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, Object>>() { });
                }
                List<TenantInfo> tenants = core.client().tenants();
                System.out.println("migrations applied; boot phase run for " + tenants.size() + " tenant(s)");
            }
            return 0;
        }
    }

    @Command(name = "tenant", mixinStandardHelpOptions = true, description = "Provision and list tenants.",
            subcommands = {TenantCmd.Create.class, TenantCmd.ListCmd.class})
    static final class TenantCmd implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "use 'tenant create SLUG' or 'tenant list'");
        }

        @Command(name = "create", mixinStandardHelpOptions = true, description = "Provision a tenant: database, migrations, boot phase, NATS streams.")
        static final class Create implements Callable<Integer> {
            @Mixin
            ConfigOptions config;
            @Parameters(paramLabel = "SLUG", description = "[a-z][a-z0-9_]{0,62}")
            String slug;
            @Option(names = "--name", description = "display name")
            String name;
            @Option(names = "--server", description = "the Postgres server (see 'server list'); default: the active one with the fewest tenants")
            String server;

            @Override
            public Integer call() {
                io.omniglass.core.tenancy.Tenant.requireValidSlug(slug);
                try (CoreAccess core = CoreAccess.open(config.load())) {
                    TenantInfo t = core.client().createTenant(slug, name, server);
                    System.out.println("tenant " + t.slug() + " created (" + t.displayName()
                            + (t.server() == null ? "" : ", on server " + t.server()) + ")");
                }
                return 0;
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List tenants.")
        static final class ListCmd implements Callable<Integer> {
            @Mixin
            ConfigOptions config;

            @Override
            public Integer call() {
                try (CoreAccess core = CoreAccess.open(config.load())) {
                    List<TenantInfo> tenants = core.client().tenants();
                    System.out.printf("%-24s %-12s %-16s %-32s %s%n", "SLUG", "STATUS", "SERVER", "NAME", "CREATED");
                    for (TenantInfo t : tenants) {
                        System.out.printf("%-24s %-12s %-16s %-32s %s%n", t.slug(), t.status(), t.server(), t.displayName(), t.createdAt());
                    }
                }
                return 0;
            }
        }
    }

    @Command(name = "token", mixinStandardHelpOptions = true, description = "API tokens.",
            subcommands = {TokenCmd.Create.class, TokenCmd.ListCmd.class, TokenCmd.Revoke.class})
    static final class TokenCmd implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "use 'token create --role ROLE', 'token list' or 'token revoke ID'");
        }

        @Command(name = "create", mixinStandardHelpOptions = true, description = "Issue an API token (printed once, stored hashed).")
        static final class Create implements Callable<Integer> {
            @Mixin
            ConfigOptions config;
            @Option(names = "--role", required = true, description = "viewer, operator or admin")
            String role;
            @Option(names = "--tenant", description = "the tenant the token is confined to (required but for admin)")
            String tenant;
            @Option(names = "--scope", description = "location:NAME or system:NAME, narrowing the token within its tenant")
            String scope;
            @Option(names = "--principal", description = "who the token is for (default: ROLE-TENANT-RANDOM); a new name, or one this core's admin created")
            String principal;
            @Option(names = "--expires", description = "lifetime: 90d, 12h, 30m, 45s, 2w or ISO-8601 (P30D); default: until revoked")
            String expires;

            @Override
            public Integer call() {
                try (CoreAccess core = CoreAccess.open(config.load())) {
                    TokenCreated t = core.client().createToken(new CreateTokenRequest(role, tenant, scope, principal, expires));
                    System.out.println(t.token());
                    System.err.println("token " + t.prefix() + "... (" + t.role()
                            + (t.tenant() == null ? ", all tenants" : ", tenant " + t.tenant())
                            + (t.scope() == null ? "" : ", scope " + t.scope())
                            + ", principal " + t.principal()
                            + (t.expiresAt() == null ? "" : ", expires " + t.expiresAt())
                            + "): shown once, stored hashed");
                }
                return 0;
            }
        }

        @Command(name = "list", mixinStandardHelpOptions = true, description = "List tokens (never their secrets), newest first.")
        static final class ListCmd implements Callable<Integer> {
            @Mixin
            ConfigOptions config;

            @Override
            public Integer call() {
                try (CoreAccess core = CoreAccess.open(config.load())) {
                    System.out.printf("%-6s %-11s %-24s %-8s %-16s %-20s %-8s %s%n",
                            "ID", "PREFIX", "PRINCIPAL", "ROLE", "TENANT", "SCOPE", "STATE", "EXPIRES");
                    String after = null;
                    do {
                        io.omniglass.api.Page<io.omniglass.api.TokenInfo> page = core.client().tokens(1000, after);
                        for (io.omniglass.api.TokenInfo t : page.items()) {
                            System.out.printf("%-6d %-11s %-24s %-8s %-16s %-20s %-8s %s%n", t.id(), t.prefix() + "...",
                                    t.principal(), t.role(), t.tenant() == null ? "(all)" : t.tenant(),
                                    t.scope() == null ? "(tenant)" : t.scope(), t.state(),
                                    t.expiresAt() == null ? "never" : t.expiresAt());
                        }
                        after = page.next();
                    } while (after != null);
                }
                return 0;
            }
        }

        @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token on every core (within a second).")
        static final class Revoke implements Callable<Integer> {
            @Mixin
            ConfigOptions config;
            @Parameters(paramLabel = "ID", description = "the token id (see 'token list')")
            long id;

            @Override
            public Integer call() {
                try (CoreAccess core = CoreAccess.open(config.load())) {
                    io.omniglass.api.TokenInfo t = core.client().revokeToken(id);
                    System.out.println("token " + t.id() + " (" + t.prefix() + "…, " + t.principal() + ") revoked at " + t.revokedAt());
                }
                return 0;
            }
        }
    }
}
