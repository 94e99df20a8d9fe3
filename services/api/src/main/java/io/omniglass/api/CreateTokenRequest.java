package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** POST /api/v1/tokens (admin). {@code scope} is "location:NAME" or "system:NAME"; absent means the whole tenant. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateTokenRequest(String role, String tenant, String scope, String principal) {
}
