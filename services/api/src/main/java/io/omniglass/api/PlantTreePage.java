package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * One answer of {@code GET /api/v1/tenants/{t}/entities/tree}: the children of {@code parent}
 * (null: the roots), or with {@code query} the entities whose name or display name contains it.
 * {@code next} is the {@code after} cursor of the next page of children (null at the end);
 * {@code truncated} says a search had more hits than {@code limit}.
 */
public record PlantTreePage(@JsonProperty(value = "parent", required = true) String parent,
                            @JsonProperty(value = "query", required = true) String query,
                            @JsonProperty(value = "items", required = true) List<PlantTreeNode> items,
                            @JsonProperty(value = "next", required = true) String next,
                            @JsonProperty(value = "truncated", required = true) boolean truncated) {
}
