package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import java.util.List;

/**
 * Journal lines in time order; {@code truncated} when more lines matched than {@code limit}
 * (ask again from the last line's time).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AlarmJournal(@JsonProperty(value = "entries", required = true) List<AlarmJournalEntry> entries,
                           @JsonProperty(value = "truncated", required = true) boolean truncated) {
}
