package io.omniglass.views.services;

import java.util.List;

/**
 * One node of the plant tree: an entity ({@code kind} location, system, component, node; {@code id}
 * like {@code component:pump-7}) or a signal ({@code kind} signal, {@code seriesId} and {@code owner}
 * set). {@code pathIds} are the ids of its ancestors, root first.
 */
public record PlantNode(String kind, String id, String name, String displayName, long childCount, long activeAlarms,
                        Long seriesId, String owner, String unit, List<String> pathIds) {

    public boolean isSignal() {
        return "signal".equals(kind);
    }

    /** The entity whose detail this node shows: itself, or a signal's owner. */
    public String entityId() {
        return isSignal() ? owner : id;
    }

    /** What a person reads: the display name when there is one, else the name. */
    public String label() {
        return displayName == null || displayName.isBlank() ? name : displayName;
    }
}
