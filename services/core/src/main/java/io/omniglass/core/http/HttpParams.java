package io.omniglass.core.http;

import io.javalin.http.Context;
import io.omniglass.core.gateway.StorableTime;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Query and path parameters, each either valid or a 400 naming the parameter. */
public final class HttpParams {

    private HttpParams() {
    }

    public static long pathLong(Context ctx, String name) {
        String v = ctx.pathParam(name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("'" + name + "' must be an integer id");
        }
    }

    /** An ISO-8601 time, or the default when absent. */
    public static OffsetDateTime time(Context ctx, String name, OffsetDateTime dflt) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        OffsetDateTime t;
        try {
            t = OffsetDateTime.parse(v);
        } catch (DateTimeParseException e) {
            try {
                t = Instant.parse(v).atOffset(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                throw ApiException.badRequest("'" + name + "' must be an ISO-8601 time like 2026-11-21T07:00:00Z");
            }
        }
        if (!StorableTime.storable(t)) {
            throw ApiException.badRequest("'" + name + "' must be a time " + StorableTime.range());
        }
        return t;
    }

    public static int intParam(Context ctx, String name, int dflt, int min, int max) {
        String v = ctx.queryParam(name);
        if (v == null || v.isEmpty()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw ApiException.badRequest("'" + name + "' must be an integer from " + min + " to " + max);
    }

    public static <T> T body(Context ctx, Class<T> type, String example) {
        T body;
        try {
            body = ctx.bodyAsClass(type);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("malformed JSON body; expected " + example);
        }
        if (body == null) {
            throw ApiException.badRequest("a JSON body is required: " + example);
        }
        return body;
    }
}
