package io.omniglass.core.cli;

import io.omniglass.api.AddServerRequest;
import io.omniglass.api.ServerInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code core server add|list|drain}: the Postgres servers tenants are placed on, and their read replicas. */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Postgres servers for tenants (and their read replicas).",
        subcommands = {ServerCommands.Add.class, ServerCommands.ListCmd.class, ServerCommands.Drain.class})
final class ServerCommands implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "use 'server add NAME JDBC_URL', 'server list' or 'server drain NAME'");
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Register a Postgres server (the core connects to it first); its password is sealed, never shown.")
    static final class Add implements Callable<Integer> {
        @Mixin
        ConfigOptions config;
        @Parameters(index = "0", paramLabel = "NAME", description = "[a-z][a-z0-9_-]{0,62}")
        String name;
        @Parameters(index = "1", paramLabel = "JDBC_URL", description = "jdbc:postgresql://HOST:PORT/ (user= and password= may ride in it)")
        String jdbcUrl;
        @Option(names = "--user", description = "the server's user (needs CREATEDB and REPLICATION, or superuser)")
        String user;
        @Option(names = "--password-file", description = "a file holding the user's password (first line)")
        Path passwordFile;
        @Option(names = "--replica-of", paramLabel = "PRIMARY", description = "the server is a streaming read replica of PRIMARY")
        String replicaOf;

        @Override
        public Integer call() throws IOException {
            String password = passwordFile == null ? null : Files.readAllLines(passwordFile).stream().findFirst().orElse("");
            try (CoreAccess core = CoreAccess.open(config.load())) {
                ServerInfo s = core.client().addServer(new AddServerRequest(name, jdbcUrl, user, password, replicaOf));
                System.out.println("server " + s.name() + " added (" + s.role()
                        + (s.replicaOf() == null ? "" : " of " + s.replicaOf()) + ", " + s.jdbcUrl() + ")");
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the servers: role, state, health, tenants.")
    static final class ListCmd implements Callable<Integer> {
        @Mixin
        ConfigOptions config;

        @Override
        public Integer call() {
            try (CoreAccess core = CoreAccess.open(config.load())) {
                List<ServerInfo> servers = core.client().servers();
                System.out.printf("%-16s %-8s %-16s %-9s %-6s %-7s %s%n", "NAME", "ROLE", "REPLICA OF", "STATE", "HEALTH", "TENANTS", "URL");
                for (ServerInfo s : servers) {
                    System.out.printf("%-16s %-8s %-16s %-9s %-6s %-7d %s%n", s.name(), s.role(),
                            s.replicaOf() == null ? "-" : s.replicaOf(), s.state(), s.health(), s.tenants(), s.jdbcUrl());
                }
            }
            return 0;
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true, description = "The server takes no new tenants (its tenants stay).")
    static final class Drain implements Callable<Integer> {
        @Mixin
        ConfigOptions config;
        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            try (CoreAccess core = CoreAccess.open(config.load())) {
                ServerInfo s = core.client().drainServer(name);
                System.out.println("server " + s.name() + " is " + s.state() + ": no new tenants go there ("
                        + s.tenants() + " stay)");
            }
            return 0;
        }
    }
}
