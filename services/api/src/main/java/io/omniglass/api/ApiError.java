package io.omniglass.api;

/** Every error body of the HTTP API: {"error": "...", "detail": "..."}. */
public record ApiError(String error, String detail) {
}
