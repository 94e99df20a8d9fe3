package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/**
 * A structure entity (kind location, system, component or node) as listed and as created.
 * {@code parent}: the parent location or system; {@code location}/{@code system}: where a system,
 * component or node sits; {@code address}: a node's network address.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record EntityInfo(String kind, String name, String displayName, String parent, String location, String system,
                         String componentType, String address, String description) {
}
