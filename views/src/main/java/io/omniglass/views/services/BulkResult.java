package io.omniglass.views.services;

/** The outcome of a bulk action for one alarm. */
public record BulkResult(long id, boolean ok, String error) {
}
