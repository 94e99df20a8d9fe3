package io.omniglass.core.deadletters;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.DeadLetterPage;
import io.omniglass.api.DeadLetterResult;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.plant.PlantModule;
import io.omniglass.core.rules.RulesFixture;
import io.omniglass.core.sink.SinkModule;
import io.omniglass.core.sink.SinkSettings;
import io.omniglass.core.tenancy.Tenant;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * By hand: {@code ./mvnw -B -q -pl services/core -am test -Dtest=DeadLettersBench -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dbench.letters=N}). N unreadable messages are dead-lettered by a real sink; then the
 * console's calls are timed: every page of 200, a filtered page that matches nothing (the 5,000
 * scan bound), a re-drive of half of them in requests of 25 (as the console's bulk does) and a
 * discard of the rest in requests of 100. Writes docs/bench/dead-letters.json.
 */
class DeadLettersBench {

    static final int LETTERS = Integer.getInteger("bench.letters", 2000);

    @Test
    void browseReDriveAndDiscard() throws Exception {
        try (TestCore core = TestCore.start(List.of(new GatewayModule(), new SinkModule(SinkSettings.defaults()),
                new PlantModule(), new DeadLettersModule()))) {
            Tenant t = core.createTenant("dlb");
            RulesFixture.importPlant(core.core().context().tenantDataSource(t), "dlb");
            OmniglassClient op = core.client(core.admin().createToken(new CreateTokenRequest("operator", "dlb", null, "ola")).token());
            var js = core.core().context().nats().jetStream();
            for (int i = 0; i < LETTERS; i++) {
                js.publishAsync(TenantStreams.dataSubject("dlb", "metric"), ("{bench " + i).getBytes(StandardCharsets.UTF_8));
            }
            await().atMost(Duration.ofMinutes(5)).until(() -> op.deadLetters("dlb", null, 1, null).total() == LETTERS);

            List<Long> ids = new ArrayList<>();
            long t0 = System.nanoTime();
            String after = null;
            int pages = 0;
            do {
                DeadLetterPage p = op.deadLetters("dlb", null, 200, after);
                p.items().forEach(d -> ids.add(d.id()));
                after = p.next();
                pages++;
            } while (after != null);
            double browseMs = (System.nanoTime() - t0) / 1e6;
            assertThat(ids).hasSize(LETTERS);

            long t1 = System.nanoTime();
            DeadLetterPage none = op.deadLetters("dlb", "reason = unknown_key", 200, null);
            double filteredMs = (System.nanoTime() - t1) / 1e6;
            assertThat(none.items()).isEmpty();

            List<Long> redrive = ids.subList(0, LETTERS / 2);
            long t2 = System.nanoTime();
            int ok = 0;
            for (int i = 0; i < redrive.size(); i += 25) {
                ok += (int) op.redriveDeadLetters("dlb", redrive.subList(i, Math.min(redrive.size(), i + 25)), null, "bench")
                        .stream().filter(DeadLetterResult::ok).count();
            }
            double redriveMs = (System.nanoTime() - t2) / 1e6;
            assertThat(ok).isEqualTo(redrive.size());

            List<Long> discard = ids.subList(LETTERS / 2, LETTERS);
            long t3 = System.nanoTime();
            int gone = 0;
            for (int i = 0; i < discard.size(); i += 100) {
                gone += (int) op.discardDeadLetters("dlb", discard.subList(i, Math.min(discard.size(), i + 100)), "bench")
                        .stream().filter(DeadLetterResult::ok).count();
            }
            double discardMs = (System.nanoTime() - t3) / 1e6;
            assertThat(gone).isEqualTo(discard.size());
            // the re-driven ones are still bad JSON: each comes back once as a new dead letter
            await().atMost(Duration.ofMinutes(5)).until(() -> op.deadLetters("dlb", null, 1, null).total() == redrive.size());

            ObjectNode out = OmniglassClient.JSON.createObjectNode();
            out.put("letters", LETTERS);
            out.put("browse_pages_of_200", pages);
            out.put("browse_all_ms", Math.round(browseMs));
            out.put("browse_per_page_ms", Math.round(browseMs / pages));
            out.put("filtered_page_matching_nothing_ms", Math.round(filteredMs));
            out.put("filtered_page_scanned", Math.min(LETTERS, DeadLetterRoutes.MAX_SCAN));
            out.put("redrive", redrive.size());
            out.put("redrive_ms", Math.round(redriveMs));
            out.put("redrive_per_s", Math.round(redrive.size() / (redriveMs / 1000)));
            out.put("discard", discard.size());
            out.put("discard_ms", Math.round(discardMs));
            out.put("discard_per_s", Math.round(discard.size() / (discardMs / 1000)));
            out.put("load_average", Files.readString(Path.of("/proc/loadavg")).trim());
            String json = OmniglassClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
            System.out.println(json);
            Path file = Paths.get(System.getProperty("bench.out", "../../docs/bench/dead-letters.json"));
            Files.createDirectories(file.getParent());
            Files.writeString(file, json + "\n");
        }
    }
}
