package io.omniglass.api;

import java.util.List;

/** The structure a token can see. */
public record EntityList(List<EntityInfo> locations, List<EntityInfo> systems, List<EntityInfo> components,
                         List<EntityInfo> nodes) {
}
