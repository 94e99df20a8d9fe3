package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.OffsetDateTime;

/** A tenant as the API shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TenantInfo(String slug,
                         @JsonProperty("display_name") String displayName,
                         String status,
                         @JsonProperty("created_at") OffsetDateTime createdAt) {
}
