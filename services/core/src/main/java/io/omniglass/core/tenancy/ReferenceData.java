package io.omniglass.core.tenancy;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/** The ship-with official rows (resources/official/reference.yaml). */
@JsonIgnoreProperties(ignoreUnknown = false)
public record ReferenceData(
        @JsonProperty("component_types") List<Named> componentTypes,
        @JsonProperty("interface_types") List<InterfaceType> interfaceTypes,
        @JsonProperty("variable_types") List<VariableType> variableTypes,
        @JsonProperty("datapoint_types") List<DatapointType> datapointTypes,
        @JsonProperty("event_types") List<EventType> eventTypes) {

    public record Named(String name, String description) {
    }

    public record InterfaceType(String name, String protocol, String description) {
    }

    public record VariableType(String name, boolean secret, String description) {
    }

    public record DatapointType(String name, String kind, String unit,
                                @JsonProperty("fusion_policy") String fusionPolicy, String description) {
    }

    public record EventType(String name, String severity, String description) {
    }

    private static final String RESOURCE = "omniglass/official/reference.yaml";

    public static ReferenceData load() {
        try (InputStream in = ReferenceData.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " missing from the classpath");
            }
            return new ObjectMapper(new YAMLFactory()).readValue(in, ReferenceData.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
