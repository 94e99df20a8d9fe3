package io.omniglass.core.http;

import io.javalin.http.Context;
import org.jooq.exception.DataAccessException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Database failures as HTTP answers. The caller learns what kind of problem it was, never the
 * database's own message (it can name tables, values or other tenants' data).
 */
final class DatabaseErrors {

    private static final Logger log = LoggerFactory.getLogger(DatabaseErrors.class);

    private DatabaseErrors() {
    }

    static void unavailable(Context ctx) {
        ctx.header("Retry-After", "5");
        HttpApi.error(ctx, 503, "unavailable", "the tenant's Postgres server cannot be reached; its new data waits in JetStream and lands when the server is back");
    }

    static void answer(Context ctx, DataAccessException e) {
        String state = e.sqlState();
        if (state == null) {
            state = "";
        }
        switch (state) {
            case "23505" -> HttpApi.error(ctx, 409, "conflict", "it already exists");
            case "23503" -> HttpApi.error(ctx, 400, "bad request", "it refers to something that does not exist");
            case "23502", "23514", "22001", "22003", "22007", "22008", "22P02", "22023" ->
                    HttpApi.error(ctx, 400, "bad request", "a value was rejected by the data model's rules");
            // a NUL character (22021), a value too long for an index (54000), a time or zone out of
            // range (22009): values no check before the database caught; still the caller's (issue 16, finding 12)
            case "22021", "54000", "22009", "22P05" ->
                    HttpApi.error(ctx, 400, "bad request", "a value was rejected: it holds a NUL character, is too long or out of range");
            case "42501" -> HttpApi.error(ctx, 403, "forbidden", "outside the token's scope or not allowed");
            case "57014" -> HttpApi.error(ctx, 503, "timeout", "the query took too long");
            case "08004", "25P03" -> HttpApi.error(ctx, 503, "busy", "no database connection was free in time; try again shortly");
            // the tenant's server is down (or went away mid-request): the others serve, this one waits
            case "08001", "08006", "08003", "57P01", "57P02", "57P03" -> unavailable(ctx);
            default -> {
                log.error("{} {} failed in the database (SQLSTATE {})", ctx.method(), ctx.path(), state, e);
                HttpApi.error(ctx, 500, "internal error", "the request failed on the server; see the core log");
            }
        }
    }
}
