package io.omniglass.views.services;

import java.util.List;

/** One keyset page; {@code next} is the cursor for the following page, null at the end. */
public record Page<T>(List<T> items, String next) {
}
