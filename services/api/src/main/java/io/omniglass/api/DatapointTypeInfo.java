package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

/** A key of the datapoint registry; also the body of a create (id, scope ignored; kind metric|state|log). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DatapointTypeInfo(Integer id, String name, String kind, String unit, String scope, String fusionPolicy,
                                String description) {
}
