package io.omniglass.api;

/** The outcome for one alarm of a (bulk) operation: {@code status} is the HTTP status it would have had alone. */
public record AlarmResult(long id, int status, String error, AlarmInfo alarm) {
}
