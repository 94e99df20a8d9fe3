package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.OffsetDateTime;

/** A tenant as the API shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TenantInfo(@JsonProperty(value = "slug", required = true) String slug,
                         @JsonProperty("display_name") String displayName,
                         @JsonProperty(value = "status", required = true) String status,
                         @JsonProperty("created_at") OffsetDateTime createdAt,
                         @JsonProperty("server") String server) {

    public TenantInfo(String slug, String displayName, String status, OffsetDateTime createdAt) {
        this(slug, displayName, status, createdAt, null);
    }
}
