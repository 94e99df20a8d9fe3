package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * {@code GET /api/v1/tenants/{t}/retention}: the resolved policies (default &lt; table &lt; type &lt;
 * owner) and the levels set, as stored.
 */
public record RetentionInfo(@JsonProperty(value = "policies", required = true) List<Policy> policies,
                            @JsonProperty("levels") List<Level> levels) {

    /** A level as set ({@code type}/{@code owner} null on a table's level; unset values null). */
    public record Level(@JsonProperty(value = "table", required = true) String table,
                        @JsonProperty("type") String type,
                        @JsonProperty("owner") String owner,
                        @JsonProperty("hot") String hot,
                        @JsonProperty("keep") String keep,
                        @JsonProperty("tier") String tier) {
    }

    /**
     * One resolved policy: durations like {@code 7d} ({@code hot} null: never tiered, {@code keep}
     * null: kept), and for each value the level it came from ({@code default}, {@code table},
     * {@code type:NAME}, {@code owner:OWNER}).
     */
    public record Policy(@JsonProperty(value = "table", required = true) String table,
                         @JsonProperty(value = "type", required = true) String type,
                         @JsonProperty(value = "owner", required = true) String owner,
                         @JsonProperty(value = "hot", required = true) String hot,
                         @JsonProperty(value = "hotFrom", required = true) String hotFrom,
                         @JsonProperty(value = "keep", required = true) String keep,
                         @JsonProperty(value = "keepFrom", required = true) String keepFrom,
                         @JsonProperty(value = "tier", required = true) String tier,
                         @JsonProperty(value = "tierFrom", required = true) String tierFrom) {
    }
}
