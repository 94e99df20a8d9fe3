package io.omniglass.core.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.testing.ExtraPostgres;
import io.omniglass.core.testing.TestFiles;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bench fleet} at a tiny size (4 tenants, seconds-long phases) over two servers: its
 * embedded control server and a second real Postgres named with {@code --add-server}. The
 * tenants are spread over both (the replaying tenant and its raw-COPY reference on the control
 * server, fewest tenants first and ties by name; so both live tenants on the second), and the JSON names
 * the servers and counts the second one's backends and CPU, beside the fields it always had.
 */
class FleetBenchServersTest {

    @Test
    void theFleetBenchMeasuresEveryServerItsTenantsLiveOn() throws Exception {
        Path dir = Files.createTempDirectory("og-test-fleet-bench-");
        try (ExtraPostgres pg2 = ExtraPostgres.start()) {
            Path json = dir.resolve("fleet.json");
            int exit = new CommandLine(new FleetBench()).execute(
                    "--tenants", "2", "--fleet-tenants", "4", "--rate", "200", "--probe-rate", "2",
                    "--replay-rows", "400", "--replay-series", "20", "--replay-per-message", "100", "--copy-rows", "400",
                    "--idle-seconds", "2", "--warmup-seconds", "6", "--label", "two servers", "--json", json.toString(),
                    "--add-server", "pg2=" + pg2.jdbcUrl() + "?user=" + pg2.user() + "&password=" + pg2.password());
            assertThat(exit).isZero();
            JsonNode r = OmniglassClient.JSON.readTree(json.toFile());
            assertThat(r.path("complete").asBoolean()).isTrue();

            List<String> names = new ArrayList<>();
            r.path("servers").forEach(s -> names.add(s.path("name").asText()));
            assertThat(names).containsExactly("default", "pg2");
            assertThat(r.path("servers").get(0).path("tenants").asInt()).isEqualTo(2);
            assertThat(r.path("servers").get(1).path("tenants").asInt()).isEqualTo(2);
            assertThat(r.path("servers").get(0).path("embedded").asBoolean()).isTrue();
            assertThat(r.path("servers").get(1).path("embedded").asBoolean()).isFalse();
            assertThat(r.path("servers").get(1).path("cpu_measured").asBoolean()).isTrue();
            assertThat(r.toString()).doesNotContain(pg2.password());

            // where the replay's WAL and the raw COPY were measured: each tenant's own server
            assertThat(r.path("replay").path("wal_server").asText()).isEqualTo("default");
            assertThat(r.path("replay").path("wal_bytes").asLong()).isPositive();
            assertThat(r.path("raw_copy").path("server").asText()).isEqualTo("default");

            // the live tenants on pg2 hold backends there while the replay runs, and their work is pg2's CPU
            JsonNode peaks = r.path("replay").path("peaks_during_replay");
            assertThat(peaks.path("postgres_backends_by_server").path("pg2").path("client_backends").asLong()).isPositive();
            assertThat(peaks.path("postgres_client_backends").asLong())
                    .isGreaterThanOrEqualTo(peaks.path("postgres_backends_by_server").path("pg2").path("client_backends").asLong());
            JsonNode liveCpu = r.path("live_load_only").path("postgres_cpu_percent_by_server");
            assertThat(liveCpu.path("pg2").asDouble()).isPositive();
            assertThat(r.path("live_load_only").path("postgres_cpu_percent_of_one_core").asDouble())
                    .isEqualTo(liveCpu.path("total").asDouble())
                    .isGreaterThanOrEqualTo(liveCpu.path("pg2").asDouble());
            assertThat(r.path("live_load_only").path("postgres_new_sessions_per_s_by_server").has("pg2")).isTrue();
            assertThat(r.path("live_load_only").path("postgres_backends_by_application_by_server_at_end").has("pg2")).isTrue();
            JsonNode idle = r.path("idle");
            assertThat(idle.path("postgres_backends_by_server").has("pg2")).isTrue();
            assertThat(idle.path("postgres_cpu_percent_by_server").has("pg2")).isTrue();
            assertThat(idle.path("client_backends_by_holder_by_server").has("pg2")).isTrue();
            // the core's questions about WAL and slots are asked in each server's postgres database: not a tenant's
            assertThat(idle.path("client_backends_by_holder_by_server").path("pg2"))
                    .noneMatch(h -> h.path("database").asText().equals("control"))
                    .allMatch(h -> !h.path("application_name").asText().equals("omniglass-core server")
                            || h.path("database").asText().equals("server"));

            // the single-server fields are still there, now sums over the servers
            assertThat(idle.has("postgres_client_backends")).isTrue();
            assertThat(idle.has("walsenders")).isTrue();
            assertThat(idle.path("client_backends_by_holder").isArray()).isTrue();
            assertThat(idle.has("postgres_cpu_percent_of_one_core")).isTrue();
            assertThat(r.path("live_load_only").has("postgres_new_sessions_per_s")).isTrue();
            assertThat(r.path("live_load_only").path("postgres_backends_by_application_at_end").isArray()).isTrue();
            assertThat(r.path("replay").path("cpu_during_replay").has("postgres_percent_of_one_core")).isTrue();
        } finally {
            TestFiles.deleteQuietly(dir);
        }
    }

    @Test
    void anAddServerWithoutAUrlIsRefusedBeforeAnythingStarts() {
        CommandLine cmd = new CommandLine(new FleetBench());
        java.io.StringWriter err = new java.io.StringWriter();
        cmd.setErr(new java.io.PrintWriter(err));
        assertThat(cmd.execute("--add-server", "pg2")).isEqualTo(2);
        assertThat(err.toString()).contains("--add-server");
    }
}
