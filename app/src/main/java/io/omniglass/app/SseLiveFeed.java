package io.omniglass.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniglass.api.OmniglassClient;
import io.omniglass.views.services.ConnectionState;
import io.omniglass.views.services.LiveFeed;
import io.omniglass.views.services.LiveUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * GET /api/v1/tenants/{t}/live as server-sent events on a daemon thread. When the stream breaks
 * it reports RECONNECTING and retries with backoff (0.5 s doubling to 10 s), sending
 * Last-Event-ID so the core can resume where it can.
 */
public final class SseLiveFeed implements LiveFeed {

    private static final Logger log = LoggerFactory.getLogger(SseLiveFeed.class);

    private final OmniglassClient client;

    public SseLiveFeed(OmniglassClient client) {
        this.client = client;
    }

    @Override
    public AutoCloseable subscribe(String tenant, Consumer<LiveUpdate> updates, Consumer<ConnectionState> state) {
        Subscription s = new Subscription(tenant, updates, state);
        Thread t = new Thread(s::run, "og-console-live-" + tenant);
        t.setDaemon(true);
        s.thread = t;
        t.start();
        return s;
    }

    private final class Subscription implements AutoCloseable {
        private final String tenant;
        private final Consumer<LiveUpdate> updates;
        private final Consumer<ConnectionState> state;
        private volatile boolean closed;
        private volatile InputStream body;
        private volatile Thread thread;
        private String lastEventId;

        Subscription(String tenant, Consumer<LiveUpdate> updates, Consumer<ConnectionState> state) {
            this.tenant = tenant;
            this.updates = updates;
            this.state = state;
        }

        void run() {
            long backoff = 500;
            boolean first = true;
            while (!closed) {
                state.accept(first ? ConnectionState.CONNECTING : ConnectionState.RECONNECTING);
                first = false;
                try {
                    HttpRequest.Builder b = HttpRequest.newBuilder(client.baseUri().resolve(
                                    "/api/v1/tenants/" + HttpConsoleServices.enc(tenant) + "/live"))
                            .header("Accept", "text/event-stream")
                            .header("Authorization", "Bearer " + client.token());
                    if (lastEventId != null) {
                        b.header("Last-Event-ID", lastEventId);
                    }
                    HttpResponse<InputStream> r = client.http().send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                    body = r.body();
                    if (r.statusCode() != 200) {
                        body.close();
                        if (r.statusCode() == 404 || r.statusCode() == 401 || r.statusCode() == 403) {
                            // not there (yet) or refused: keep trying slowly, the state says so
                            state.accept(ConnectionState.RECONNECTING);
                            sleep(Math.max(backoff, 5000));
                            continue;
                        }
                        throw new IOException("live feed answered " + r.statusCode());
                    }
                    state.accept(ConnectionState.CONNECTED);
                    backoff = 500;
                    read(body);
                } catch (IOException e) {
                    if (!closed) {
                        log.debug("live feed of {} broke: {}", tenant, e.toString());
                    }
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed) {
                    state.accept(ConnectionState.RECONNECTING);
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 10_000);
                }
            }
        }

        private void read(InputStream in) throws IOException {
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            StringBuilder data = new StringBuilder();
            String event = null;
            String line;
            while (!closed && (line = reader.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        dispatch(event, data.toString());
                    }
                    data.setLength(0);
                    event = null;
                } else if (line.startsWith("data:")) {
                    if (data.length() > 0) {
                        data.append('\n');
                    }
                    data.append(line.substring(line.startsWith("data: ") ? 6 : 5));
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).trim();
                } else if (line.startsWith("id:")) {
                    lastEventId = line.substring(3).trim();
                }
            }
        }

        private void dispatch(String event, String data) {
            try {
                JsonNode n = OmniglassClient.JSON.readTree(data);
                LiveUpdate u = toUpdate(event, n);
                if (u != null) {
                    updates.accept(u);
                }
            } catch (IOException | RuntimeException e) {
                log.debug("skipping an unreadable live event: {}", e.toString());
            }
        }

        private void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }

        @Override
        public void close() {
            closed = true;
            InputStream b = body;
            if (b != null) {
                try {
                    b.close();
                } catch (IOException ignored) {
                    // closing a broken stream
                }
            }
            if (thread != null) {
                thread.interrupt();
            }
        }
    }

    /** An SSE event as a live update: current values carry owner and key, record changes carry a table. */
    static LiveUpdate toUpdate(String event, JsonNode n) {
        JsonNode payload = Json.field(n, "payload", "data");
        JsonNode body = payload != null && payload.isObject() ? payload : n;
        String table = Json.text(body, "table");
        if (table != null && (event == null || !event.contains("value"))) {
            Map<String, Object> row = new HashMap<>();
            JsonNode r = Json.field(body, "row", "key");
            if (r != null) {
                r.fields().forEachRemaining(e -> row.put(e.getKey(), e.getValue().isValueNode() ? e.getValue().asText() : e.getValue().toString()));
            }
            return new LiveUpdate.RecordChange(table, Json.textOr(body, "", "op"), row);
        }
        if (Json.text(body, "owner") != null && Json.text(body, "key") != null) {
            return new LiveUpdate.Value(HttpConsoleServices.currentValue(body));
        }
        return null;
    }
}
