package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
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
public record SimilarAlarms(@JsonProperty(value = "alarm_id", required = true) long alarmId, long raiseEventId, @JsonProperty(value = "raised_at", required = true) OffsetDateTime raisedAt, int recipeVersion,
                            @JsonProperty(value = "keys", required = true) List<String> keys, @JsonProperty(value = "lead_up", required = true) List<Float> leadUp, @JsonProperty(value = "similar", required = true) List<SimilarAlarm> similar, @JsonProperty(value = "note", required = true) String note) {
}
