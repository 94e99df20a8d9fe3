package io.omniglass.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.nats.client.Connection;
import io.omniglass.api.CreateTokenRequest;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewayModule;
import io.omniglass.core.gateway.GatewayTestFixtures;
import io.omniglass.core.testing.TestCore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The live SSE feed over a real nats-server: scoped, coalesced. */
class LiveFeedTest {

    static TestCore core;

    @BeforeAll
    static void start() {
        core = TestCore.start(List.of(new GatewayModule()));
        var t = core.createTenant("live");
        GatewayTestFixtures.loadScopeFixture(Gateway.forCore(core.core().context()), t);
    }

    @AfterAll
    static void stop() {
        core.close();
    }

    record Event(String name, JsonNode data) {
    }

    @Test
    void scopedSubscriberGetsOnlyItsOwnersAndCoalescedValues() throws Exception {
        String token = core.admin().createToken(new CreateTokenRequest("viewer", "live", "location:site-a", "live-site-a")).token();
        OmniglassClient client = core.client(token);
        List<Event> events = new CopyOnWriteArrayList<>();
        Connection nats = core.core().context().nats();
        try (AutoCloseable sub = client.live("live", (name, data) -> {
            try {
                events.add(new Event(name, OmniglassClient.JSON.readTree(data)));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        })) {
            // the subscription is live once a probe value arrives
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                publish(nats, "{\"owner\": \"node:node-a\", \"key\": \"probe\", \"ts\": \"2026-11-21T07:00:00Z\", \"value\": 0}");
                return events.stream().anyMatch(e -> e.data().path("key").asText().equals("probe"));
            });
            events.clear();
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 50; i++) {
                batch.append(i == 0 ? "" : ",").append(String.format(
                        "{\"owner\": \"component:pump-1\", \"key\": \"fx_pressure\", \"ts\": \"2026-11-21T07:00:%02dZ\", \"value\": %d}", i, i));
            }
            batch.append(",{\"owner\": \"component:valve-3\", \"key\": \"fx_pressure\", \"ts\": \"2026-11-21T07:00:00Z\", \"value\": 99}");
            batch.append(",{\"owner\": \"global\", \"key\": \"fx_pressure\", \"ts\": \"2026-11-21T07:00:00Z\", \"value\": 98}]");
            publish(nats, batch.toString());
            nats.publish("og.live.cdc.alarm", cdc("pump-1", 1).getBytes(StandardCharsets.UTF_8));
            nats.publish("og.live.cdc.alarm", cdc("valve-3", 2).getBytes(StandardCharsets.UTF_8));
            nats.publish("og.live.cdc.audit_log", "{\"table\": \"audit_log\", \"op\": \"insert\", \"row\": {\"id\": 5}}".getBytes(StandardCharsets.UTF_8));
            publish(nats, "{\"owner\": \"node:node-a\", \"key\": \"marker\", \"ts\": \"2026-11-21T07:00:00Z\", \"value\": 1}");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    events.stream().anyMatch(e -> e.data().path("key").asText().equals("marker")));
            Thread.sleep(600); // one more coalescing interval

            List<Event> values = events.stream().filter(e -> e.name().equals("value")).toList();
            assertThat(values).extracting(e -> e.data().path("owner").asText())
                    .contains("component:pump-1").doesNotContain("component:valve-3", "global");
            List<Event> pump = values.stream().filter(e -> e.data().path("owner").asText().equals("component:pump-1")).toList();
            assertThat(pump.size()).isLessThan(50);
            assertThat(pump.get(pump.size() - 1).data().path("value").asInt()).isEqualTo(49);
            List<Event> changes = events.stream().filter(e -> e.name().equals("change")).toList();
            assertThat(changes).hasSize(1);
            assertThat(changes.get(0).data().path("row").path("component_id").asText()).isEqualTo("pump-1");
        }
    }

    static void publish(Connection nats, String body) {
        nats.publish("og.live.dp.metric", body.getBytes(StandardCharsets.UTF_8));
    }

    static String cdc(String component, int id) {
        return "{\"lsn\": \"0/1\", \"table\": \"alarm\", \"op\": \"update\", \"key\": {\"id\": " + id
                + "}, \"row\": {\"id\": " + id + ", \"owner_kind\": \"component\", \"component_id\": \"" + component + "\"}}";
    }
}
