package io.omniglass.views.services;

/**
 * A resolved retention policy of a table (or of a datapoint type or owner within it), each value
 * with the level it came from ({@code default}, {@code table}, {@code type:KEY}, {@code owner:OWNER}).
 * {@code hot} is null for a table that has no cold tier.
 */
public record RetentionPolicy(String table, String type, String owner, String hot, String hotFrom,
                              String keep, String keepFrom, String tier, String tierFrom) {

    /** What the policy applies to, as a person would say it. */
    public String appliesTo() {
        if (owner != null && type != null) {
            return "type " + type + " at " + owner;
        }
        if (owner != null) {
            return owner;
        }
        if (type != null) {
            return "type " + type;
        }
        return "every row";
    }
}
