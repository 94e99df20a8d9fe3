package io.omniglass.views.services;

/** The outcome of a re-drive or discard for one dead letter: status ok, not_found or failed. */
public record DeadLetterResult(long id, String status, String error) {

    public boolean ok() {
        return "ok".equals(status);
    }
}
