package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** {@code GET /api/v1/tenants/{t}/storage}: hot (Postgres) and cold (Parquet) sizes per table of a tenant. */
public record StorageInfo(@JsonProperty(value = "tenant", required = true) String tenant,
                          @JsonProperty(value = "tables", required = true) List<TableStorageInfo> tables) {

    /** One table's tiers; {@code hotRowsEstimate} is the planner's estimate, the cold counts are exact; days are ISO dates. */
    public record TableStorageInfo(@JsonProperty(value = "table", required = true) String table,
                                   @JsonProperty(value = "hotBytes", required = true) long hotBytes,
                                   @JsonProperty(value = "hotRowsEstimate", required = true) long hotRowsEstimate,
                                   @JsonProperty(value = "hotPartitions", required = true) long hotPartitions,
                                   @JsonProperty(value = "hotOldestDay", required = true) String hotOldestDay,
                                   @JsonProperty(value = "coldFiles", required = true) long coldFiles,
                                   @JsonProperty(value = "coldRows", required = true) long coldRows,
                                   @JsonProperty(value = "coldBytes", required = true) long coldBytes,
                                   @JsonProperty(value = "coldOldestDay", required = true) String coldOldestDay,
                                   @JsonProperty(value = "coldNewestDay", required = true) String coldNewestDay) {
    }
}
