package io.omniglass.core.plant;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.omniglass.api.PlantTreeNode;
import io.omniglass.api.PlantTreePage;
import io.omniglass.api.PlantTreeRef;
import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.core.http.HttpParams;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET /api/v1/tenants/{t}/entities/tree?parent=&q=&limit=&after=}: the plant tree, lazily.
 * Without {@code q}, the children of {@code parent} (an entity id, {@code system:cooling-loop};
 * none: the roots): entities first (locations, systems, components, nodes, each by name), then the
 * parent's signals; keyset pages by the last item's id. With {@code q}, a type-ahead search over the
 * entities' names, each hit with its path. Read scope: a scoped token's tree starts at its scope.
 */
final class PlantTreeRoutes {

    static final String PATH = "/api/v1/tenants/{t}/entities/tree";
    private static final Pattern ENTITY_ID =
            Pattern.compile("(location|system|component|node):([A-Za-z0-9][A-Za-z0-9_.-]{0,127})");
    private static final Pattern SERIES_ID = Pattern.compile("series:([0-9]{1,18})");
    private static final Set<String> PARAMS = Set.of("parent", "q", "limit", "after");
    private static final int MAX_QUERY = 128;

    private PlantTreeRoutes() {
    }

    static void register(Javalin app, CoreContext core) {
        app.get(PATH, ctx -> {
            for (String p : ctx.queryParamMap().keySet()) {
                if (!PARAMS.contains(p)) {
                    throw ApiException.badRequest("unknown parameter '" + p + "'; this endpoint takes parent, q, limit and after");
                }
            }
            String q = ctx.queryParam("q");
            String parent = ctx.queryParam("parent");
            if (q != null && parent != null) {
                throw ApiException.badRequest("give either 'parent' (a level of the tree) or 'q' (a search), not both");
            }
            GatewaySession s = Gateway.forCore(core).scoped(Auth.principal(ctx), ctx.pathParam("t"), Action.READ_ENTITIES);
            ctx.json(q != null ? search(ctx, s, q) : children(ctx, s, parent));
        });
    }

    private static PlantTreePage search(Context ctx, GatewaySession s, String raw) {
        String q = raw.strip();
        if (q.isEmpty() || q.length() > MAX_QUERY) {
            throw ApiException.badRequest("'q' must be 1 to " + MAX_QUERY + " characters");
        }
        if (ctx.queryParam("after") != null) {
            throw ApiException.badRequest("a search has one page: narrow 'q' instead of 'after'");
        }
        int limit = HttpParams.intParam(ctx, "limit", 50, 1, 200);
        List<PlantTreeNode> hits = s.readSnapshot(tx -> new PlantTreeStore(tx, s.visibleSet()).search(q, limit + 1));
        boolean truncated = hits.size() > limit;
        return new PlantTreePage(null, q, truncated ? hits.subList(0, limit) : hits, null, truncated);
    }

    private static PlantTreePage children(Context ctx, GatewaySession s, String parentId) {
        PlantTreeStore.EntityId parent = parentId == null ? null : entity(parentId, "parent");
        int limit = HttpParams.intParam(ctx, "limit", 500, 1, 2000);
        String after = ctx.queryParam("after");
        PlantTreeStore.EntityId afterEntity = null;
        Long afterSeries = null;
        if (after != null) {
            Matcher series = SERIES_ID.matcher(after);
            if (series.matches()) {
                afterSeries = Long.parseLong(series.group(1));
            } else {
                afterEntity = entity(after, "after");
            }
        }
        PlantTreeStore.EntityId from = afterEntity;
        Long fromSeries = afterSeries;
        List<PlantTreeNode> items = s.readSnapshot(tx -> {
            PlantTreeStore store = new PlantTreeStore(tx, s.visibleSet());
            List<PlantTreeRef> path = List.of();
            if (parent != null) {
                if (!store.visibleEntity(parent)) {
                    throw ApiException.notFound("no " + parent.id() + " in this tenant's tree you can see");
                }
                List<PlantTreeRef> above = store.paths(List.of(parent)).getOrDefault(parent.id(), List.of());
                List<PlantTreeRef> p = new ArrayList<>(above);
                p.add(new PlantTreeRef(parent.kind(), parent.id(), parent.name()));
                path = List.copyOf(p);
            }
            List<PlantTreeNode> out = new ArrayList<>();
            if (fromSeries == null) { // entities come before signals: a signal cursor has passed them all
                out.addAll(store.entityChildren(parent, from, limit + 1, path));
            }
            if (out.size() <= limit) {
                String owner = parent == null ? (s.visibleSet().unrestricted() ? "global" : null) : parent.id();
                if (owner != null) {
                    out.addAll(store.signals(owner, fromSeries, limit + 1 - out.size(), path));
                }
            }
            return out;
        });
        boolean more = items.size() > limit;
        List<PlantTreeNode> page = more ? items.subList(0, limit) : items;
        return new PlantTreePage(parentId, null, page, more ? page.get(page.size() - 1).id() : null, false);
    }

    private static PlantTreeStore.EntityId entity(String id, String param) {
        Matcher m = ENTITY_ID.matcher(id);
        if (m.matches()) {
            return new PlantTreeStore.EntityId(m.group(1), m.group(2));
        }
        if (SERIES_ID.matcher(id).matches() && param.equals("parent")) {
            throw ApiException.badRequest("'parent' " + id + " is a signal: signals have no children");
        }
        throw ApiException.badRequest("'" + param + "' must be an entity id like location:site-a, system:cooling-loop, "
                + "component:pump-7 or node:plc-3" + (param.equals("after") ? " (or series:ID)" : ""));
    }
}
