package io.omniglass.api;

import java.util.List;

/** One page of a keyset-paginated list; pass {@code next} as {@code after} for the following page (null: last page). */
public record Page<T>(List<T> items, String next) {
}
