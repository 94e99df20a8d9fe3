package io.omniglass.views.services;

import java.time.Instant;

/** One point of a series' history. */
public record Datapoint(Instant ts, Double value, String text) {
}
