package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/** The stored datapoints of one series in a time range, newest first. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record SeriesHistory(long seriesId, String owner, String key, String kind, String instance, String provenance,
                            String source, @JsonProperty(value = "points", required = true) List<DatapointValue> points) {
}
