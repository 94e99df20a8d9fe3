package io.omniglass.app;

import com.sun.net.httpserver.HttpServer;
import io.omniglass.api.OmniglassClient;
import io.omniglass.views.services.ConnectionState;
import io.omniglass.views.services.LiveUpdate;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live feed's own reconnect logic against a scripted event stream (the end-to-end test covers
 * the real core's feed): a stream that ends is retried, resuming with Last-Event-ID, and the
 * connection state says so meanwhile.
 */
class SseLiveFeedTest {

    @Test
    void aBrokenStreamIsResumedAndTheStateTellsTheOperator() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger connects = new AtomicInteger();
        List<String> lastEventIds = new CopyOnWriteArrayList<>();
        server.createContext("/api/v1/tenants/demo/live", ex -> {
            int n = connects.incrementAndGet();
            lastEventIds.add(String.valueOf(ex.getRequestHeaders().getFirst("Last-Event-ID")));
            assertThat(ex.getRequestHeaders().getFirst("Authorization")).isEqualTo("Bearer tok");
            ex.getResponseHeaders().add("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                String body = ": connected\n\n"
                        + "id: " + n + "\nevent: value\ndata: {\"owner\":\"component:pump-1\",\"key\":\"flow\",\"instance\":\"\","
                        + "\"provenance\":\"observed\",\"ts\":\"2026-11-21T08:00:0" + n + "Z\",\"value\":" + n + "}\n\n"
                        + "event: change\ndata: {\"table\":\"alarm\",\"op\":\"update\",\"row\":{\"id\":" + n + "}}\n\n"
                        + "event: value\ndata: not json\n\n";
                out.write(body.getBytes(StandardCharsets.UTF_8));
            } // the stream ends here: the console must come back by itself
        });
        server.start();
        List<LiveUpdate> updates = new CopyOnWriteArrayList<>();
        List<ConnectionState> states = new CopyOnWriteArrayList<>();
        try (AutoCloseable sub = new SseLiveFeed(new OmniglassClient("http://127.0.0.1:" + server.getAddress().getPort(), "tok"))
                .subscribe("demo", updates::add, states::add)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> connects.get() >= 3);
            assertThat(states).startsWith(ConnectionState.CONNECTING, ConnectionState.CONNECTED)
                    .contains(ConnectionState.RECONNECTING);
            assertThat(lastEventIds.subList(0, 3)).containsExactly("null", "1", "2");
            assertThat(updates).filteredOn(u -> u instanceof LiveUpdate.Value).hasSizeGreaterThanOrEqualTo(3);
            assertThat(updates).filteredOn(u -> u instanceof LiveUpdate.RecordChange)
                    .allSatisfy(u -> assertThat(((LiveUpdate.RecordChange) u).table()).isEqualTo("alarm"));
        } finally {
            server.stop(0);
        }
    }
}
