package io.omniglass.core.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import io.nats.client.Dispatcher;
import io.nats.client.Message;
import io.omniglass.api.LiveValue;
import io.omniglass.api.OmniglassClient;
import io.omniglass.core.access.Principal;
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
import java.util.LinkedHashMap;
import java.util.List;
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
 * <p>
 * The feed shows what REST would show the same token, no more ({@link ChangePolicy}): record-lane
 * tables the REST API serves to its role, {@code audit_log} only to operators, secret variables
 * without their ciphertext. The token is held to account for as long as the stream lasts: a revoke
 * ({@link TokenRevocations}) or its expiry ends the stream, and a periodic re-check backs both up.
 * Streams are capped per principal and per core, each being a NATS subscription and a timer.
 */
public final class LiveFeed {

    private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);
    static final int COALESCE_MILLIS = 250;
    static final int HEARTBEAT_SECONDS = 15;
    static final int SCOPE_REFRESH_SECONDS = 30;
    static final int PRINCIPAL_RECHECK_SECONDS = 10;
    /** Open streams one principal may hold on one core, whatever its tokens (a console opens one per tenant view). */
    static final int MAX_STREAMS_PER_PRINCIPAL = 4;
    /** Open streams per core, whatever the tokens. */
    static final int MAX_STREAMS = 256;
    private static final Set<String> OWNER_TABLES = Set.of("series", "event", "alarm", "action");
    private static final StreamCounts COUNTS = new StreamCounts();
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
        Principal principal = Auth.principal(ctx);
        GatewaySession s = gateway.scoped(principal, ctx.pathParam("t"), Action.READ_CURRENT_VALUES);
        Scope scope = Scope.load(s); // before any byte is sent, so failures are still proper errors
        // by principal, so minting more tokens for one identity buys no more streams
        StreamCounts.Slot slot = COUNTS.acquire(gateway, principal.principalId() != 0 ? principal.principalId() : -principal.tokenId());
        try {
            new SseHandler(0, client -> new Subscription(gateway, s, scope, client, slot).start()).handle(ctx);
        } catch (Exception | Error e) {
            slot.release();
            throw e;
        }
    }

    /** Open streams per core and per principal; a stream over either cap is a 429, not a thread. */
    static final class StreamCounts {
        private final Map<Gateway, Map<Long, Integer>> perPrincipal = new java.util.WeakHashMap<>();
        private final Map<Gateway, Integer> total = new java.util.WeakHashMap<>();

        final class Slot {
            private final Gateway gateway;
            private final long who;
            private boolean released;

            private Slot(Gateway gateway, long who) {
                this.gateway = gateway;
                this.who = who;
            }

            void release() {
                synchronized (StreamCounts.this) {
                    if (released) {
                        return;
                    }
                    released = true;
                    total.merge(gateway, -1, Integer::sum);
                    perPrincipal.get(gateway).computeIfPresent(who, (k, n) -> n <= 1 ? null : n - 1);
                }
            }
        }

        synchronized Slot acquire(Gateway gateway, long who) {
            Map<Long, Integer> mine = perPrincipal.computeIfAbsent(gateway, g -> new java.util.HashMap<>());
            if (total.getOrDefault(gateway, 0) >= MAX_STREAMS) {
                throw new ApiException(429, "too many streams", "this core serves " + MAX_STREAMS + " live streams at most; try again later");
            }
            if (mine.getOrDefault(who, 0) >= MAX_STREAMS_PER_PRINCIPAL) {
                throw new ApiException(429, "too many streams", "a principal may hold " + MAX_STREAMS_PER_PRINCIPAL
                        + " live streams at once; close one first");
            }
            mine.merge(who, 1, Integer::sum);
            total.merge(gateway, 1, Integer::sum);
            return new Slot(gateway, who);
        }
    }

    /** Which record-lane changes a token sees, by the REST API's rules for its role. */
    static final class ChangePolicy {
        /** Tables REST serves to viewers (structure, registry, series, alarms, events, actions, rules, variables). */
        private static final Set<String> VIEWER_TABLES = Set.of("location", "system", "component", "node", "system_member",
                "component_type", "interface_type", "variable_type", "datapoint_type", "event_type",
                "series", "event", "alarm", "action", "variable",
                "event_rule", "event_rule_version", "calc_rule", "calc_rule_version", "action_rule", "action_rule_version");
        /** Columns never sent: a secret's ciphertext is released only by the audited decrypt endpoint. */
        private static final Set<String> WITHHELD_COLUMNS = Set.of("ciphertext");

        private ChangePolicy() {
        }

        /** The change as this principal may see it, or null. */
        static JsonNode visible(JsonNode change, Principal p, Scope scope) {
            String table = change.path("table").asText("");
            if (table.equals("audit_log")) {
                // REST: operators; a scoped token only its own actions
                if (!p.role().atLeast(io.omniglass.core.access.Role.operator)) {
                    return null;
                }
                if (scope != null && change.path("row").path("actor_id").asLong(-1) != p.principalId()) {
                    return null;
                }
                return change;
            }
            boolean allowed = scope == null
                    ? VIEWER_TABLES.contains(table) || p.role().atLeast(io.omniglass.core.access.Role.admin)
                    : OWNER_TABLES.contains(table) && (scope.row(change.get("row")) || scope.row(change.get("old")));
            if (!allowed) {
                return null;
            }
            return withhold(change);
        }

        private static JsonNode withhold(JsonNode change) {
            boolean any = false;
            for (String part : List.of("row", "old", "key")) {
                JsonNode n = change.get(part);
                if (n != null && n.isObject()) {
                    for (String c : WITHHELD_COLUMNS) {
                        any |= n.has(c);
                    }
                }
            }
            if (!any) {
                return change;
            }
            com.fasterxml.jackson.databind.node.ObjectNode copy = change.deepCopy();
            for (String part : List.of("row", "old", "key")) {
                JsonNode n = copy.get(part);
                if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                    for (String c : WITHHELD_COLUMNS) {
                        if (o.has(c) && !o.get(c).isNull()) {
                            o.put(c, "(withheld)");
                        }
                    }
                }
            }
            return copy;
        }
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
        private final StreamCounts.Slot slot;
        private final List<ScheduledFuture<?>> timers = new ArrayList<>();
        private final Map<String, LiveValue> pending = new LinkedHashMap<>();
        private Dispatcher dispatcher;
        private AutoCloseable revocation;

        Subscription(Gateway gateway, GatewaySession session, Scope scope, SseClient client, StreamCounts.Slot slot) {
            this.gateway = gateway;
            this.session = session;
            this.scope = scope;
            this.client = client;
            this.slot = slot;
        }

        void start() {
            try {
                subscribe();
            } catch (RuntimeException | Error e) {
                stop(); // the stream's slot, timer and subscriptions go with it
                throw e;
            }
        }

        private void subscribe() {
            client.keepAlive();
            client.onClose(this::stop);
            Principal p = session.principal();
            revocation = TokenRevocations.of(gateway.core()).whenRevoked(p.tokenId(), this::end);
            synchronized (timers) {
                p.expiresAt().ifPresent(at -> timers.add(TIMERS.schedule(this::end,
                        Math.max(0, at.toEpochMilli() - System.currentTimeMillis()), TimeUnit.MILLISECONDS)));
                timers.add(TIMERS.scheduleWithFixedDelay(this::recheckPrincipal,
                        PRINCIPAL_RECHECK_SECONDS, PRINCIPAL_RECHECK_SECONDS, TimeUnit.SECONDS));
            }
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

        /** The backstop for a revocation message this core missed: the token must still be valid. */
        private void recheckPrincipal() {
            try {
                if (!gateway.core().tokens().stillValid(session.principal().tokenId())) {
                    end();
                }
            } catch (RuntimeException e) {
                log.warn("live feed: could not re-check the token: {}", e.toString());
            }
        }

        /** The server ends the stream: the token was revoked or has expired. */
        private void end() {
            synchronized (client) {
                if (!client.terminated()) {
                    try {
                        client.sendEvent("end", "{\"reason\": \"the token was revoked or has expired\"}");
                    } catch (RuntimeException ignored) {
                        // closing anyway
                    }
                    client.close();
                }
            }
            stop();
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
                JsonNode change = OmniglassClient.JSON.readTree(m.getData());
                JsonNode visible = change == null || !change.isObject() ? null : ChangePolicy.visible(change, session.principal(), scope);
                if (visible == null) {
                    return;
                }
                send("change", visible == change
                        ? new String(m.getData(), java.nio.charset.StandardCharsets.UTF_8)
                        : OmniglassClient.JSON.writeValueAsString(visible));
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
            slot.release();
            AutoCloseable r = revocation;
            if (r != null) {
                revocation = null;
                try {
                    r.close();
                } catch (Exception ignored) {
                    // an in-memory deregistration
                }
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
