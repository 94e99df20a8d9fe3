package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** One page of a keyset-paginated list; pass {@code next} as {@code after} for the following page (null: last page). */
public record Page<T>(@JsonProperty(value = "items", required = true) List<T> items, @JsonProperty(value = "next", required = true) String next) {
}
