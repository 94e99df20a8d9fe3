package io.omniglass.core.cli;

import io.omniglass.api.OmniglassClient;
import io.omniglass.core.runtime.NatsServerProcess;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** ./omniglass: the one launcher's Java side. */
@Command(name = "omniglass", mixinStandardHelpOptions = true, version = "omniglass 0.1.0",
        description = "PostgreSQL-centred operations data plane.",
        subcommands = {CoreCommand.class, DemoCommand.class, BenchCommand.class})
public final class OmniglassCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new OmniglassCli());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable root = e;
            if (e instanceof NatsServerProcess.MissingNatsServerException) {
                cmd.getErr().println(e.getMessage());
                return 3;
            }
            while (root.getCause() != null && !(root instanceof OmniglassClient.ApiException)) {
                if (root.getCause() instanceof NatsServerProcess.MissingNatsServerException m) {
                    cmd.getErr().println(m.getMessage());
                    return 3;
                }
                root = root.getCause();
            }
            cmd.getErr().println("error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        });
        return cl.execute(args);
    }
}
