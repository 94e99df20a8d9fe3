package io.omniglass.api;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * The answer of {@code GET .../alarms/{id}/similar}: the alarm's current raise and its fingerprint,
 * then its most similar past occurrences, closest first. {@code note} says why the list is empty
 * when there was nothing to compare (no metric datapoint in the lead-up).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SimilarAlarms(long alarmId, long raiseEventId, OffsetDateTime raisedAt, int recipeVersion,
                            List<String> keys, List<Float> leadUp, List<SimilarAlarm> similar, String note) {
}
