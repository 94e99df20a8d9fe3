package io.omniglass.core.cli;

import picocli.CommandLine.Command;

/** ./omniglass bench sink|cdc|gateway|rules|fleet: each benchmark prints its figures and writes them as JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (print figures, write JSON).",
        subcommands = {io.omniglass.core.bench.SinkBenchCommand.class, io.omniglass.core.bench.CdcBench.class,
                io.omniglass.core.bench.GatewayBench.class, io.omniglass.core.bench.RulesBench.class,
                io.omniglass.core.similar.SimilarBench.class, io.omniglass.core.bench.LifecycleBench.class,
                io.omniglass.core.bench.FleetBench.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a benchmark");
    }
}
