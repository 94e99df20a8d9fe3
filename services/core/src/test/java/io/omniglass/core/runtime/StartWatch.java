package io.omniglass.core.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.testing.CoreProcess;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Watches a launched core from its first HTTP answer until /healthz says it is ready: what
 * /healthz and one tenant's endpoint answered meanwhile.
 */
final class StartWatch {

    private final Set<String> seen = new LinkedHashSet<>();
    private final List<String> tenantAnswers = new ArrayList<>();
    private long firstAnswerNanos = -1;
    private boolean sawStarting;

    private StartWatch() {
    }

    /** Polls until /healthz answers 200 (or {@code timeout}); asks for {@code slug}'s stats on every round. */
    static StartWatch watch(CoreProcess core, String slug, Duration timeout) throws Exception {
        StartWatch w = new StartWatch();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline && core.alive()) {
            if (!Files.exists(core.dataDir().resolve("endpoints.json"))) {
                Thread.sleep(20);
                continue;
            }
            try {
                String url = core.httpUrl();
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(url + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (w.firstAnswerNanos < 0) {
                    w.firstAnswerNanos = System.nanoTime();
                }
                JsonNode body = OmniglassClient.JSON.readTree(health.body());
                String status = body.path("status").asText();
                w.seen.add(health.statusCode() + " " + status);
                if (health.statusCode() == 503 && "starting".equals(status) && body.path("tenants_starting").asInt() > 0) {
                    w.sawStarting = true;
                    HttpResponse<String> stats = http.send(HttpRequest.newBuilder(URI.create(url + "/api/v1/tenants/" + slug + "/stats"))
                            .header("Authorization", "Bearer " + core.adminToken()).build(), HttpResponse.BodyHandlers.ofString());
                    w.tenantAnswers.add(stats.statusCode() == 200 ? "200"
                            : stats.statusCode() + " " + OmniglassClient.JSON.readTree(stats.body()).path("error").asText());
                }
                if (health.statusCode() == 200) {
                    return w;
                }
            } catch (java.io.IOException | RuntimeException notYet) {
                // not listening yet, or the endpoints file is being written
            }
            Thread.sleep(20);
        }
        return w;
    }

    double firstAnswerSeconds(long launchedNanos) {
        return firstAnswerNanos < 0 ? -1 : (firstAnswerNanos - launchedNanos) / 1e9;
    }

    boolean sawStarting() {
        return sawStarting;
    }

    List<String> tenantAnswers() {
        return tenantAnswers;
    }

    Set<String> seen() {
        Set<String> s = new LinkedHashSet<>(seen);
        if (!tenantAnswers.isEmpty()) {
            s.add("tenant: " + new LinkedHashSet<>(tenantAnswers));
        }
        return s;
    }
}
