package io.omniglass.core.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.TenantInfo;
import io.omniglass.core.lifecycle.LifecycleModule;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code core maintain} and {@code core retention show|set}: the data lifecycle (docs/lifecycle.md). */
final class LifecycleCommands {

    private LifecycleCommands() {
    }

    private static CoreAccess open(ConfigOptions config) {
        return CoreAccess.open(config.load(), List.of(new LifecycleModule()));
    }

    @Command(name = "maintain", mixinStandardHelpOptions = true,
            description = "Partition upkeep now: create ahead, tier to Parquet and drop by retention (one tenant or all).")
    static final class Maintain implements Callable<Integer> {
        @Mixin
        ConfigOptions config;
        @Option(names = "--tenant", description = "the tenant slug (default: every tenant)")
        String tenant;

        @Override
        public Integer call() throws Exception {
            try (CoreAccess core = open(config)) {
                List<String> slugs = tenant != null ? List.of(tenant) : core.client().tenants().stream().map(TenantInfo::slug).toList();
                int failed = 0;
                for (String slug : slugs) {
                    // tiering a large tenant takes minutes: a request of its own with a long timeout
                    OmniglassClient c = core.client();
                    HttpResponse<String> r = c.http().send(HttpRequest.newBuilder(
                                    URI.create(c.baseUri() + "/api/v1/tenants/" + slug + "/maintenance"))
                            .timeout(Duration.ofHours(2)).header("Authorization", "Bearer " + c.token())
                            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    JsonNode body = OmniglassClient.JSON.readTree(r.body());
                    if (r.statusCode() != 200) {
                        System.err.println(slug + ": " + body.path("detail").asText(r.body()));
                        failed++;
                        continue;
                    }
                    System.out.printf("%s: %d partitions created, %d tiered (%d rows), %d dropped (%d rows), %d cold files removed%s%n",
                            slug, body.path("created").asInt(), body.path("tiered").size(), body.path("rowsTiered").asLong(),
                            body.path("dropped").size(), body.path("rowsDropped").asLong(), body.path("coldRemoved").size(),
                            body.path("failed").isEmpty() ? "" : "; failed (retried next run): " + body.path("failed"));
                }
                return failed == 0 ? 0 : 1;
            }
        }
    }

    @Command(name = "retention", mixinStandardHelpOptions = true, description = "The cascade-resolved retention of a tenant.",
            subcommands = {Retention.Show.class, Retention.Set.class})
    static final class Retention implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "use 'retention show' or 'retention set'");
        }

        static class Target {
            @Option(names = "--tenant", required = true, description = "the tenant slug")
            String tenant;
            @Option(names = "--table", description = "metric_datapoint (default), state_datapoint, log_datapoint, audit_log, session_log, internal_log, collection_log, node_log")
            String table;
            @Option(names = "--type", description = "a datapoint type (class) KEY")
            String type;
            @Option(names = "--owner", description = "an owner (entity), e.g. component:pump-7")
            String owner;
        }

        @Command(name = "show", mixinStandardHelpOptions = true, description = "Resolved policies and where each value came from.")
        static final class Show implements Callable<Integer> {
            @Mixin
            ConfigOptions config;
            @CommandLine.ArgGroup(exclusive = false, multiplicity = "1")
            Target target;

            @Override
            public Integer call() {
                try (CoreAccess core = open(config)) {
                    String table = target.table == null && (target.type != null || target.owner != null) ? "metric_datapoint" : target.table;
                    JsonNode r = core.client().get("/api/v1/tenants/" + target.tenant + "/retention"
                            + OmniglassClient.query("table", table, "type", target.type, "owner", target.owner), new TypeReference<JsonNode>() { });
                    System.out.printf("%-18s %-22s %-26s %-8s %-24s %-8s %-24s %-8s %s%n",
                            "TABLE", "TYPE", "OWNER", "HOT", "FROM", "KEEP", "FROM", "TIER", "FROM");
                    for (JsonNode p : r.path("policies")) {
                        System.out.printf("%-18s %-22s %-26s %-8s %-24s %-8s %-24s %-8s %s%n", p.path("table").asText(),
                                p.path("type").asText("*").replace("null", "*"), p.path("owner").asText("*").replace("null", "*"),
                                p.path("hot").asText(), p.path("hotFrom").asText(), p.path("keep").asText(), p.path("keepFrom").asText(),
                                p.path("tier").asText(), p.path("tierFrom").asText());
                    }
                }
                return 0;
            }
        }

        @Command(name = "set", mixinStandardHelpOptions = true,
                description = "Set one level of the cascade (audited); a value left out is inherited from the level below.")
        static final class Set implements Callable<Integer> {
            @Mixin
            ConfigOptions config;
            @CommandLine.ArgGroup(exclusive = false, multiplicity = "1")
            Target target;
            @Option(names = "--hot", description = "time in Postgres before the cold tier, e.g. 7d")
            String hot;
            @Option(names = "--keep", description = "total retention, e.g. 90d, 1y")
            String keep;
            @Option(names = "--tier", description = "parquet or none")
            String tier;

            @Override
            public Integer call() {
                try (CoreAccess core = open(config)) {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("table", target.table == null ? "metric_datapoint" : target.table);
                    body.put("type", target.type);
                    body.put("owner", target.owner);
                    body.put("hot", hot);
                    body.put("keep", keep);
                    body.put("tier", tier);
                    JsonNode p = core.client().put("/api/v1/tenants/" + target.tenant + "/retention", body, new TypeReference<JsonNode>() { });
                    System.out.printf("%s%s%s: hot %s (%s), keep %s (%s), tier %s (%s)%n", p.path("table").asText(),
                            p.path("type").isNull() ? "" : " type " + p.path("type").asText(),
                            p.path("owner").isNull() ? "" : " owner " + p.path("owner").asText(),
                            p.path("hot").asText(), p.path("hotFrom").asText(), p.path("keep").asText(), p.path("keepFrom").asText(),
                            p.path("tier").asText(), p.path("tierFrom").asText());
                }
                return 0;
            }
        }
    }
}
