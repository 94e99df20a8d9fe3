package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a signal node of the plant tree is: one series of its owner (a key, instance, provenance and source). */
public record PlantTreeSignal(@JsonProperty(value = "series_id", required = true) long seriesId,
                              @JsonProperty(value = "owner", required = true) String owner,
                              @JsonProperty(value = "key", required = true) String key,
                              @JsonProperty(value = "kind", required = true) String kind,
                              @JsonProperty(value = "unit", required = true) String unit,
                              @JsonProperty(value = "instance", required = true) String instance,
                              @JsonProperty(value = "provenance", required = true) String provenance,
                              @JsonProperty(value = "source", required = true) String source) {
}
