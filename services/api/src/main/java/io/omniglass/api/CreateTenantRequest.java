package io.omniglass.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/** POST /api/v1/tenants; {@code server}: a registered Postgres server (default: the one with the fewest tenants). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CreateTenantRequest(String slug, String name, String server) {

    public CreateTenantRequest(String slug, String name) {
        this(slug, name, null);
    }
}
