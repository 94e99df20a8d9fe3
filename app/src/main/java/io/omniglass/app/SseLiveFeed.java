package io.omniglass.app;

import io.omniglass.api.lane.ChangeMessage;
import io.omniglass.api.LiveValue;
import io.omniglass.api.OmniglassClient;
import io.omniglass.api.ServerSentEvents;
import io.omniglass.views.services.ConnectionState;
import io.omniglass.views.services.CurrentValue;
import io.omniglass.views.services.LiveFeed;
import io.omniglass.views.services.LiveUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * GET /api/v1/tenants/{t}/live as server-sent events on a daemon thread, read by the client's
 * one event-stream reader ({@link ServerSentEvents}) into the api records. When the stream breaks
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
        Thread t = new Thread(s::run, "og-console-live");
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
                    HttpResponse<InputStream> r = client.openLive(tenant, lastEventId);
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
            lastEventId = ServerSentEvents.read(in, lastEventId, this::dispatch, () -> closed);
        }

        private void dispatch(ServerSentEvents.Event e) {
            lastEventId = e.id();
            try {
                LiveUpdate u = toUpdate(OmniglassClient.liveEvent(e));
                if (u != null) {
                    updates.accept(u);
                }
            } catch (IOException | RuntimeException ex) {
                log.debug("skipping an unreadable live event: {}", ex.toString());
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

    /** A live event's record as the views' update: a signal's newest value, or a record change. */
    static LiveUpdate toUpdate(Object event) {
        if (event instanceof LiveValue v) {
            return new LiveUpdate.Value(currentValue(v));
        }
        if (event instanceof ChangeMessage c) {
            Map<String, Object> row = new HashMap<>();
            if (c.row() != null) {
                c.row().fields().forEachRemaining(f -> row.put(f.getKey(),
                        f.getValue().isValueNode() ? f.getValue().asText() : f.getValue().toString()));
            }
            return new LiveUpdate.RecordChange(c.table(), c.op(), row);
        }
        return null;
    }

    /**
     * A value event as a current-value row: {@code value} as on the data lane (a number, a state's
     * text, or a log's {severity, message}); series, kind and unit are not in the event and are
     * kept from the row it updates ({@link CurrentValue#over}).
     */
    static CurrentValue currentValue(LiveValue v) {
        com.fasterxml.jackson.databind.JsonNode value = v.value();
        Double numeric = value != null && value.isNumber() ? value.asDouble() : null;
        String rendered;
        if (numeric != null) {
            rendered = HttpConsoleServices.formatNumber(numeric);
        } else if (value != null && value.isObject()) {
            rendered = value.path("severity").asText("") + ": " + value.path("message").asText("");
        } else if (value != null && !value.isNull()) {
            rendered = value.asText();
        } else {
            rendered = "";
        }
        return new CurrentValue(0, v.owner(), v.key(), v.instance(), v.provenance(), null, rendered, numeric, null,
                v.ts() == null ? null : OffsetDateTime.parse(v.ts()).toInstant());
    }
}
