package io.omniglass.views.services;

import java.util.List;

/** A page of plant-tree nodes: one level's children ({@code next}: the cursor of the rest) or search hits ({@code truncated}: more matched). */
public record PlantLevel(List<PlantNode> items, String next, boolean truncated) {
}
