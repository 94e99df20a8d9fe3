package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.time.OffsetDateTime;
import java.util.List;

/**
 * What a draft rule would have done over a span of history: per owner (an alarm is per rule and
 * owner) the intervals it would have been active, with the series whose datapoint raised and
 * cleared it; {@code cleared_at} null when it would still be active at the span's end.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EventRuleBacktest(@JsonProperty(value = "from", required = true) OffsetDateTime from,
                                @JsonProperty(value = "to", required = true) OffsetDateTime to,
                                @JsonProperty(value = "evaluated_points", required = true) long evaluatedPoints,
                                @JsonProperty(value = "cold_points", required = true) long coldPoints,
                                @JsonProperty(value = "raises", required = true) int raises,
                                @JsonProperty(value = "owners", required = true) List<Owner> owners) {

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Owner(@JsonProperty(value = "owner", required = true) String owner,
                        @JsonProperty(value = "series", required = true) List<Long> series,
                        @JsonProperty(value = "evaluated_points", required = true) long evaluatedPoints,
                        @JsonProperty(value = "raises", required = true) int raises,
                        @JsonProperty(value = "intervals", required = true) List<Interval> intervals) {
    }

    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Interval(@JsonProperty(value = "raised_at", required = true) OffsetDateTime raisedAt,
                           @JsonProperty(value = "raise_series_id", required = true) Long raiseSeriesId,
                           @JsonProperty(value = "cleared_at", required = true) OffsetDateTime clearedAt,
                           @JsonProperty(value = "clear_series_id", required = true) Long clearSeriesId) {
    }
}
