package io.omniglass.core.tenancy;

import java.time.OffsetDateTime;
import java.util.regex.Pattern;

/** A tenant as the registry knows it. */
public record Tenant(String slug, String displayName, String databaseName, String serverUrl,
                     String status, OffsetDateTime createdAt) {

    public static final Pattern SLUG = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    public static void requireValidSlug(String slug) {
        if (slug == null || !SLUG.matcher(slug).matches()) {
            throw new InvalidTenantException("invalid tenant slug '" + slug
                    + "': use a lower-case letter followed by up to 62 lower-case letters, digits or underscores");
        }
    }

    public static String databaseFor(String slug) {
        return "og_t_" + slug;
    }

    /** The replication slot name (slots are cluster-wide, so the slug is part of it). */
    public String slotName() {
        return "og_cdc_" + slug;
    }

    public static String publicationName() {
        return "og_cdc";
    }

    public boolean active() {
        return "active".equals(status);
    }

    /** A request to create or use a tenant that cannot be honoured; the message says why. */
    public static class InvalidTenantException extends IllegalArgumentException {
        public InvalidTenantException(String message) {
            super(message);
        }
    }

    public static final class DuplicateTenantException extends InvalidTenantException {
        public DuplicateTenantException(String slug) {
            super("tenant '" + slug + "' already exists");
        }
    }
}
