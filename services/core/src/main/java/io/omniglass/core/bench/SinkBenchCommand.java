package io.omniglass.core.bench;

import io.omniglass.core.runtime.FileTrees;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** ./omniglass bench sink [--json FILE] [--datapoints N] [--series S]. */
@Command(name = "sink", mixinStandardHelpOptions = true,
        description = "Ingest: end to end through JetStream and the sink vs raw COPY vs single-row inserts, on one embedded Postgres.")
public final class SinkBenchCommand implements Callable<Integer> {

    @Option(names = "--json", paramLabel = "FILE", description = "write the figures here as JSON")
    Path json;
    @Option(names = "--datapoints", defaultValue = "2000000", description = "datapoints per phase (default ${DEFAULT-VALUE})")
    long datapoints;
    @Option(names = "--series", defaultValue = "1000", description = "distinct series (default ${DEFAULT-VALUE})")
    int series;
    @Option(names = "--per-message", defaultValue = "200", description = "datapoints per message (default ${DEFAULT-VALUE})")
    int perMessage;
    @Option(names = "--single-insert-datapoints", defaultValue = "200000",
            description = "datapoints for the single-row phase, which is slow (default ${DEFAULT-VALUE})")
    long singleInsert;
    @Option(names = "--backlog", description = "the backlog mode only (same as --mode backlog)")
    boolean backlog;
    @Option(names = "--mode", defaultValue = "both", description = "backlog (everything published first, the sink timed from its start: "
            + "the headline, like for like with raw COPY), live (the sink consumes while the bench publishes on the same CPUs), "
            + "or both (default ${DEFAULT-VALUE})")
    String mode;
    @Option(names = "--repeats", defaultValue = "1", description = "rounds of the sink phases and the bare COPY, for the spread (default ${DEFAULT-VALUE})")
    int repeats;
    @Option(names = "--nats-url", description = "a JetStream (cluster) instead of the embedded nats-server, e.g. the servers of packaging/nats-cluster/local-cluster.sh env")
    String natsUrl;

    @Option(names = "--nats-replicas", defaultValue = "1", description = "replicas of the streams on --nats-url (default ${DEFAULT-VALUE})")
    int natsReplicas;

    @Option(names = "--keep", description = "keep the bench's data dir (embedded Postgres + NATS store)")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("omniglass-bench-sink-");
        try {
            SinkBench.Mode m = backlog ? SinkBench.Mode.BACKLOG : SinkBench.Mode.valueOf(mode.toUpperCase(java.util.Locale.ROOT));
            Map<String, Object> r = new SinkBench(new SinkBench.Options(datapoints, series, perMessage, singleInsert, dir, m, repeats,
                    natsUrl, natsReplicas)).run();
            System.out.println();
            System.out.printf("headline: the sink in %s mode (%s)%n", r.get("headline_mode"), r.get("headline_note"));
            for (String which : new String[] {"backlog", "live"}) {
                @SuppressWarnings("unchecked")
                Map<String, Map<String, Object>> spread = (Map<String, Map<String, Object>>) r.get("sink_" + which);
                if (spread != null) {
                    System.out.printf("sink %-7s rows/s median %,.0f (%,.0f - %,.0f), x bare COPY of its round: median %.2f (%.2f - %.2f) %s; commits busy %s, writing turns %s%n",
                            which, spread.get("rows_per_s").get("median"), spread.get("rows_per_s").get("min"), spread.get("rows_per_s").get("max"),
                            spread.get("vs_bare_copy").get("median"), spread.get("vs_bare_copy").get("min"), spread.get("vs_bare_copy").get("max"),
                            spread.get("vs_bare_copy").get("values"), spread.get("commit_share_of_time").get("values"),
                            spread.get("write_share_of_time").get("values"));
                }
            }
            System.out.printf("sink_rows_per_s          %,12.0f%n", (double) r.get("sink_rows_per_s"));
            System.out.printf("copy_rows_per_s          %,12.0f%n", (double) r.get("copy_rows_per_s"));
            System.out.printf("bare_copy_rows_per_s     %,12.0f%n", (double) r.get("bare_copy_rows_per_s"));
            System.out.printf("single_insert_rows_per_s %,12.0f%n", (double) r.get("single_insert_rows_per_s"));
            System.out.printf("sink / copy = %.2f, sink / bare copy (median of the rounds, each within its round) = %.2f, copy / bare copy = %.2f, sink / single insert = %.2f%n",
                    r.get("sink_vs_copy"), r.get("sink_vs_bare_copy"), r.get("copy_vs_bare_copy"), r.get("sink_vs_single_insert"));
            if (json != null) {
                SinkBench.writeJson(r, json);
                System.out.println("written to " + json.toAbsolutePath());
            }
            return 0;
        } finally {
            if (!keep) {
                FileTrees.deleteQuietly(dir);
            }
        }
    }

}
