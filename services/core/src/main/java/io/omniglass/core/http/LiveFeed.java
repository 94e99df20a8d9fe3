package io.omniglass.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.omniglass.api.LiveValue;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.VisibleSet;
import io.omniglass.core.tenancy.TenantStreams;
import io.omniglass.schema.tenant.Tables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static io.omniglass.schema.tenant.Tables.COMPONENT;
import static io.omniglass.schema.tenant.Tables.LOCATION;
import static io.omniglass.schema.tenant.Tables.NODE;

/**
 * {@code GET /api/v1/tenants/{t}/live}: server-sent events, scoped to the token.
 * <ul>
 *   <li>{@code change}: a committed record-lane change, the CDC message as published on
 *       {@code og.<t>.cdc.<table>}; owner-bearing rows only when their owner is in scope, other
 *       tables only for tenant-wide tokens;</li>
 *   <li>{@code value}: the newest datapoint of a signal from the data lane, coalesced to at most
 *       one per signal per {@value #COALESCE_MILLIS} ms;</li>
 *   <li>a comment every {@value #HEARTBEAT_SECONDS} s keeps proxies from closing the stream.</li>
 * </ul>
 * Plain (ephemeral) NATS subscriptions: a client sees what happens while it is connected.
 */
public final class LiveFeed {

    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    static final int COALESCE_MILLIS = 250;
    static final int HEARTBEAT_SECONDS = 15;
    static final int SCOPE_REFRESH_SECONDS = 30;
    private static final Set<String> OWNER_TABLES = Set.of("series", "event", "alarm", "action");
    /**
     * One small timer pool for every stream's coalescing, heartbeat and scope refresh (not a thread
     * per stream): a tick only moves what is pending onto the stream.
     */
    private static final ScheduledThreadPoolExecutor TIMERS = timers();

    private static ScheduledThreadPoolExecutor timers() {
        java.util.concurrent.atomic.AtomicInteger ids = new java.util.concurrent.atomic.AtomicInteger();
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(2, r -> {
            Thread th = new Thread(r, "og-live-timer-" + ids.incrementAndGet());
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        return t;
    }

    private LiveFeed() {
    }

    static void handle(Context ctx, Gateway gateway) throws Exception {
        GatewaySession s = gateway.scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_CURRENT_VALUES);
        Scope scope = Scope.load(s); // before any byte is sent, so failures are still proper errors
        new SseHandler(0, client -> new Subscription(gateway, s, scope, client).start()).handle(ctx);
    }

    /** The owners a token may see, as name sets (null: everything). */
    record Scope(Set<String> locations, Set<String> systems, Set<String> components, Set<String> nodes) {

        static Scope load(GatewaySession s) {
            VisibleSet v = s.visibleSet();
            if (v.unrestricted()) {
                return null;
            }
            return s.read(tx -> new Scope(
                    new HashSet<>(tx.select(LOCATION.NAME).from(LOCATION).where(v.entity("location", LOCATION.NAME)).fetch(LOCATION.NAME)),
                    new HashSet<>(tx.select(Tables.SYSTEM.NAME).from(Tables.SYSTEM).where(v.entity("system", Tables.SYSTEM.NAME)).fetch(Tables.SYSTEM.NAME)),
                    new HashSet<>(tx.select(COMPONENT.NAME).from(COMPONENT).where(v.entity("component", COMPONENT.NAME)).fetch(COMPONENT.NAME)),
                    new HashSet<>(tx.select(NODE.NAME).from(NODE).where(v.entity("node", NODE.NAME)).fetch(NODE.NAME))));
        }

        boolean owner(String owner) {
            if (owner == null) {
                return false;
            }
            int colon = owner.indexOf(':');
            if (colon < 0) {
                return false; // global (or garbage): tenant-wide tokens only
            }
            String name = owner.substring(colon + 1);
            return switch (owner.substring(0, colon)) {
                case "location" -> locations.contains(name);
                case "system" -> systems.contains(name);
                case "component" -> components.contains(name);
                case "node" -> nodes.contains(name);
                default -> false;
            };
        }

        boolean row(JsonNode row) {
            if (row == null || !row.isObject()) {
                return false;
            }
            return text(row, "location_id", locations) || text(row, "system_id", systems)
                    || text(row, "component_id", components) || text(row, "node_id", nodes);
        }

        private static boolean text(JsonNode row, String field, Set<String> set) {
            JsonNode v = row.get(field);
            return v != null && v.isTextual() && set.contains(v.asText());
        }
    }

    private static final class Subscription {
        private final Gateway gateway;
        private final GatewaySession session;
        private volatile Scope scope;
        private final SseClient client;
        private final List<ScheduledFuture<?>> timers = new ArrayList<>();
        private final Map<String, LiveValue> pending = new LinkedHashMap<>();
        private Dispatcher dispatcher;

        Subscription(Gateway gateway, GatewaySession session, Scope scope, SseClient client) {
            this.gateway = gateway;
            this.session = session;
            this.scope = scope;
            this.client = client;
        }

        void start() {
            client.keepAlive();
            client.onClose(this::stop);
            String slug = session.tenant().slug();
            dispatcher = gateway.core().nats().createDispatcher();
            dispatcher.subscribe("og." + slug + ".cdc.>", this::onChange);
            dispatcher.subscribe(TenantStreams.dataSubjects(slug), this::onData);
            synchronized (timers) {
                timers.add(TIMERS.scheduleAtFixedRate(this::flushValues, COALESCE_MILLIS, COALESCE_MILLIS, TimeUnit.MILLISECONDS));
                timers.add(TIMERS.scheduleAtFixedRate(() -> send(null, "heartbeat"), HEARTBEAT_SECONDS, HEARTBEAT_SECONDS, TimeUnit.SECONDS));
                if (scope != null) {
                    timers.add(TIMERS.scheduleWithFixedDelay(this::refreshScope, SCOPE_REFRESH_SECONDS, SCOPE_REFRESH_SECONDS, TimeUnit.SECONDS));
                }
            }
            send(null, "connected");
        }

        private void refreshScope() {
            try {
                scope = Scope.load(session);
            } catch (RuntimeException e) {
                log.warn("live feed: could not refresh the scope: {}", e.toString());
            }
        }

        private void onChange(Message m) {
            try {
                Scope sc = scope;
                if (sc != null) {
                    JsonNode change = OmniglassClient.JSON.readTree(m.getData());
                    String table = change.path("table").asText("");
                    if (!OWNER_TABLES.contains(table)) {
                        return;
                    }
                    if (!sc.row(change.get("row")) && !sc.row(change.get("old"))) {
                        return;
                    }
                }
                send("change", new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8));
            } catch (Exception e) {
                log.debug("live feed: unreadable change skipped: {}", e.toString());
            }
        }

        private void onData(Message m) {
            try {
                JsonNode body = OmniglassClient.JSON.readTree(m.getData());
                if (body == null) {
                    return;
                }
                if (body.isArray()) {
                    for (JsonNode dp : body) {
                        offer(dp);
                    }
                } else {
                    offer(body);
                }
            } catch (Exception e) {
                // malformed data-lane messages are the sink's business (dead letters), not ours
            }
        }

        private void offer(JsonNode dp) {
            if (!dp.isObject()) {
                return;
            }
            String owner = dp.path("owner").asText(null);
            Scope sc = scope;
            if (owner == null || (sc != null && !sc.owner(owner))) {
                return;
            }
            LiveValue v = new LiveValue(owner, dp.path("key").asText(""), dp.path("instance").asText(""),
                    dp.path("provenance").asText("observed"), dp.path("ts").asText(null), dp.get("value"));
            String signal = v.owner() + "\u0000" + v.key() + "\u0000" + v.instance() + "\u0000" + v.provenance();
            synchronized (pending) {
                LiveValue old = pending.get(signal);
                if (old == null || old.ts() == null || (v.ts() != null && v.ts().compareTo(old.ts()) >= 0)) {
                    pending.put(signal, v);
                }
            }
        }

        private void flushValues() {
            Map<String, LiveValue> batch;
            synchronized (pending) {
                if (pending.isEmpty()) {
                    return;
                }
                batch = new LinkedHashMap<>(pending);
                pending.clear();
            }
            for (LiveValue v : batch.values()) {
                send("value", v);
            }
        }

        private void send(String event, Object data) {
            synchronized (client) {
                if (client.terminated()) {
                    stop();
                    return;
                }
                try {
                    if (event == null) {
                        client.sendComment((String) data);
                    } else {
                        client.sendEvent(event, data);
                    }
                } catch (RuntimeException e) {
                    stop();
                }
            }
        }

        private void stop() {
            synchronized (timers) {
                timers.forEach(f -> f.cancel(false));
                timers.clear();
            }
            Dispatcher d = dispatcher;
            if (d != null) {
                dispatcher = null;
                try {
                    gateway.core().nats().closeDispatcher(d);
                } catch (RuntimeException e) {
                    // the connection is closing anyway
                }
            }
        }
    }
}
