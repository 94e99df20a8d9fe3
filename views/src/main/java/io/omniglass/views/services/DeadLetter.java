package io.omniglass.views.services;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One message the sink refused: {@code id} its sequence in the tenant's dead-letter stream,
 * {@code reason} the code (unknown_key, bad_json, ...), {@code detail} the rest of the error.
 */
public record DeadLetter(long id, Instant time, String reason, String detail, String subject, Integer index,
                         String body, Map<String, List<String>> headers) {

    /** The body on one line, cut to {@code max} characters, for a table cell. */
    public String preview(int max) {
        String one = body == null ? "" : body.replaceAll("\\s+", " ").trim();
        return one.length() <= max ? one : one.substring(0, Math.max(0, max - 1)) + "…";
    }
}
