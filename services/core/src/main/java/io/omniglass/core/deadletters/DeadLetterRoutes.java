package io.omniglass.core.deadletters;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.nats.client.JetStreamApiException;
import io.omniglass.api.DeadLetterCommand;
import io.omniglass.api.DeadLetterPage;
import io.omniglass.core.CoreContext;
import io.omniglass.core.gateway.Action;
import io.omniglass.core.gateway.Gateway;
import io.omniglass.core.gateway.GatewaySession;
import io.omniglass.core.gateway.Keyset;
import io.omniglass.core.http.ApiException;
import io.omniglass.core.http.Auth;
import io.omniglass.core.http.HttpParams;

import java.io.IOException;

/**
 * {@code GET /dead-letters?filter=&limit=&after=} (keyset pages by stream sequence) and
 * {@code POST /dead-letters:redrive|:discard} with a result per id. Dead letters may name any
 * owner of the tenant, so every route needs a token scoped to the whole tenant.
 */
final class DeadLetterRoutes {

    private static final String BASE = "/api/v1/tenants/{t}/dead-letters";
    static final int MAX_IDS = 1000;
    /** Messages a filtered page looks at before it answers with what it has and a cursor to go on. */
    static final int MAX_SCAN = 5000;
    private static final String EXAMPLE = "{\"ids\": [12, 13], \"reason\": \"key registered\"}";

    private DeadLetterRoutes() {
    }

    static void register(Javalin app, CoreContext core) {
        app.get(BASE, ctx -> {
            GatewaySession s = session(ctx, core, Action.READ_DEAD_LETTERS);
            int limit = Keyset.limit(ctx.queryParam("limit"), 100, 1000);
            long after = after(ctx.queryParam("after"));
            var filter = DeadLetterFilter.parse(ctx.queryParam("filter"));
            try {
                DeadLetterStream stream = new DeadLetterStream(core.nats(), s.tenant().slug());
                DeadLetterStream.Scan scan = stream.scan(after, filter, limit, MAX_SCAN);
                String next = scan.more() ? Long.toString(scan.lastSeen()) : null;
                ctx.json(new DeadLetterPage(scan.items(), next, stream.total()));
            } catch (JetStreamApiException | IOException e) {
                throw new ApiException(503, "unavailable", "the dead-letter stream cannot be read: " + e.getMessage());
            }
        });
        app.post(BASE + ":redrive", ctx -> {
            GatewaySession s = session(ctx, core, Action.REDRIVE_DEAD_LETTERS);
            DeadLetterCommand cmd = command(ctx);
            if (cmd.edits() != null) {
                for (Long id : cmd.edits().keySet()) {
                    if (!cmd.ids().contains(id)) {
                        throw ApiException.badRequest("edits names " + id + ", which is not in ids");
                    }
                    if (cmd.edits().get(id) == null || cmd.edits().get(id).isNull()) {
                        throw ApiException.badRequest("the edit of " + id + " is empty: leave it out to re-drive the body as it is");
                    }
                }
            }
            ctx.json(new DeadLetterActions(s, core.nats()).redrive(cmd.ids(), cmd.edits(), cmd.reason()));
        });
        app.post(BASE + ":discard", ctx -> {
            GatewaySession s = session(ctx, core, Action.REDRIVE_DEAD_LETTERS);
            DeadLetterCommand cmd = command(ctx);
            if (cmd.reason() == null || cmd.reason().isBlank()) {
                throw ApiException.badRequest("a reason is required to discard dead letters: " + EXAMPLE);
            }
            if (cmd.edits() != null && !cmd.edits().isEmpty()) {
                throw ApiException.badRequest("edits belong to a re-drive, not a discard");
            }
            ctx.json(new DeadLetterActions(s, core.nats()).discard(cmd.ids(), cmd.reason()));
        });
    }

    private static GatewaySession session(Context ctx, CoreContext core, Action action) {
        GatewaySession s = Gateway.forCore(core).scoped(Auth.principal(ctx), ctx.pathParam("t"), action);
        s.requireTenantWideScope();
        return s;
    }

    private static long after(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return 0;
        }
        try {
            long seq = Long.parseLong(cursor.trim());
            if (seq >= 0) {
                return seq;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.badRequest("'after' must be the 'next' of a previous page (a sequence number), not '" + cursor + "'");
    }

    private static DeadLetterCommand command(Context ctx) throws IOException {
        DeadLetterCommand cmd = HttpParams.body(ctx, DeadLetterCommand.class, EXAMPLE);
        if (cmd.ids() == null || cmd.ids().isEmpty()) {
            throw ApiException.badRequest("ids is required: " + EXAMPLE);
        }
        if (cmd.ids().size() > MAX_IDS) {
            throw ApiException.badRequest("at most " + MAX_IDS + " ids per request");
        }
        return cmd;
    }
}
