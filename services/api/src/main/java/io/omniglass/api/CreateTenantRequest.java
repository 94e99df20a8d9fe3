package io.omniglass.api;

/** POST /api/v1/tenants. */
public record CreateTenantRequest(String slug, String name) {
}
