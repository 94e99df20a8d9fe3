package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The one time a token's secret is shown. */
public record TokenCreated(long id, String token, String prefix, String role, String tenant, String scope) {
}
