package io.omniglass.core.tenancy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A tenant as the registry knows it. {@code databaseName} and {@code slotName} are the registry's
 * record of the Postgres objects the tenant owns: names are derived once, at creation
 * ({@link #databaseFor}, {@link #slotFor}), and read back from the row ever after, so a change of
 * the naming rule never renames an existing tenant's objects.
 */
public record Tenant(String slug, String displayName, String databaseName, String serverUrl,
                     String status, OffsetDateTime createdAt, String slotName, String serverName) {

    /** A tenant on the control server (no registered server named). */
    public Tenant(String slug, String displayName, String databaseName, String serverUrl,
                  String status, OffsetDateTime createdAt, String slotName) {
        this(slug, displayName, databaseName, serverUrl, status, createdAt, slotName, null);
    }

    /** The registered server the tenant's database lives on ({@link ServerRegistry#DEFAULT}: the control server). */
    public String server() {
        return serverName == null ? ServerRegistry.DEFAULT : serverName;
    }

    /** A tenant named the current way (for rows of a registry that records no slot name yet). */
    public Tenant(String slug, String displayName, String databaseName, String serverUrl, String status, OffsetDateTime createdAt) {
        this(slug, displayName, databaseName, serverUrl, status, createdAt, slotFor(slug));
    }

    public static final Pattern SLUG = Pattern.compile("[a-z][a-z0-9_]{0,62}");
    /** Postgres keeps 63 bytes of an identifier (NAMEDATALEN - 1) and silently drops the rest. */
    public static final int MAX_NAME_BYTES = 63;
    private static final int HASH_HEX = 12;

    public static void requireValidSlug(String slug) {
        if (slug == null || !SLUG.matcher(slug).matches()) {
            throw new InvalidTenantException("invalid tenant slug '" + slug
                    + "': use a lower-case letter followed by up to 62 lower-case letters, digits or underscores");
        }
    }

    public static String databaseFor(String slug) {
        return objectName("og_t_", slug);
    }

    /** The replication slot name of a new tenant (slots are cluster-wide, so the slug is part of it). */
    public static String slotFor(String slug) {
        return objectName("og_cdc_", slug);
    }

    /**
     * The other name a tenant's slot may have: CDC's skip (docs/cdc.md) makes a new slot under it
     * and drops the old one, and the next skip goes back to {@code slotName}. Never the name of
     * another tenant's slot: there the eighth character is the slug's first, a letter; here it is
     * {@code 0}.
     */
    public static String alternateSlotFor(String slotName) {
        return objectName("og_cdc_0", slotName.startsWith("og_cdc_") ? slotName.substring(7) : slotName);
    }

    /**
     * {@code prefix + slug} when that is at most 62 bytes; otherwise the prefix, as much of the slug
     * as fits and a 48-bit hash of the whole slug, exactly 63 bytes. Plain names are shorter than
     * hashed ones, so the two kinds never meet; two hashed names meet only on a hash collision,
     * which the registry's unique columns refuse (a clear error, never a shared object).
     * Only {@code [a-z0-9_]}: what replication slot names allow.
     */
    static String objectName(String prefix, String slug) {
        String plain = prefix + slug;
        if (plain.length() < MAX_NAME_BYTES) {
            return plain;
        }
        String hash = HexFormat.of().formatHex(sha256(slug)).substring(0, HASH_HEX);
        return prefix + slug.substring(0, MAX_NAME_BYTES - prefix.length() - HASH_HEX - 1) + "_" + hash;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
