package io.omniglass.core.plant;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A plant description (YAML or JSON): the structure and key registry of a tenant. The {@code rules}
 * section is not interpreted here; it is handed to the {@link PlantRulesImporter}s on the classpath.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record PlantDescription(
        String name,
        String description,
        List<Location> locations,
        List<SystemDef> systems,
        List<Component> components,
        List<Node> nodes,
        @JsonProperty("datapoint_types") List<DatapointType> datapointTypes,
        JsonNode rules,
        List<Retention> retention) {

    public static final String DEMO_RESOURCE = "omniglass/plants/demo-plant.yaml";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    public record Location(String name, @JsonProperty("display_name") String displayName, String parent, String description) {
    }

    public record SystemDef(String name, @JsonProperty("display_name") String displayName, String location, String parent,
                            String description) {
    }

    public record Component(String name, @JsonProperty("display_name") String displayName, String type, String system,
                            String location, String description) {
    }

    public record Node(String name, @JsonProperty("display_name") String displayName, String location, String address) {
    }

    public record DatapointType(String name, String kind, String unit, @JsonProperty("fusion_policy") String fusionPolicy,
                                String description) {
    }

    /** A level of the retention cascade (docs/lifecycle.md): a table, optionally narrowed to a class (type) or an owner. */
    public record Retention(String table, String type, String owner, String hot, String keep, String tier) {
    }

    public List<Retention> retention() {
        return retention == null ? List.of() : retention;
    }

    public List<Location> locations() {
        return locations == null ? List.of() : locations;
    }

    public List<SystemDef> systems() {
        return systems == null ? List.of() : systems;
    }

    public List<Component> components() {
        return components == null ? List.of() : components;
    }

    public List<Node> nodes() {
        return nodes == null ? List.of() : nodes;
    }

    public List<DatapointType> datapointTypes() {
        return datapointTypes == null ? List.of() : datapointTypes;
    }

    /** YAML or JSON text (JSON is YAML) to a tree; a syntax error is an IllegalArgumentException naming the place. */
    public static JsonNode parseTree(String text) {
        try {
            JsonNode n = YAML.readTree(text);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("a plant description is a YAML or JSON object");
            }
            return n;
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable plant description: " + e.getMessage().split("\n")[0]);
        }
    }

    public static PlantDescription fromTree(JsonNode tree) {
        try {
            return YAML.treeToValue(tree, PlantDescription.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid plant description: " + e.getMessage().split("\n")[0]);
        }
    }

    public static JsonNode demoTree() {
        try (InputStream in = PlantDescription.class.getClassLoader().getResourceAsStream(DEMO_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEMO_RESOURCE + " missing from the classpath");
            }
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
