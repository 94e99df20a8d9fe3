package io.omniglass.core.cli;

import io.omniglass.core.runtime.OmniglassConfig;
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

    /** The exit code of a setting that cannot work (picocli's for a bad command line, too). */
    public static final int INVALID_CONFIGURATION = 2;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new OmniglassCli());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable root = e;
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof OmniglassConfig.InvalidConfigException bad) {
                    // before anything started: the operator's fix, not a crash (systemd: RestartPreventExitStatus=2)
                    cmd.getErr().println("invalid configuration: " + bad.getMessage());
                    return INVALID_CONFIGURATION;
                }
            }
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
