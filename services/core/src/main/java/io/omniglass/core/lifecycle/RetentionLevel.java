package io.omniglass.core.lifecycle;

import java.time.Duration;

/**
 * One level of the cascade as stored: each value may be null, leaving it to the level below.
 * {@code type} and {@code owner} say which level this is (both null: the table level; a type: a
 * class override; an owner: an entity override).
 */
public record RetentionLevel(String table, String type, String owner, Duration hot, Duration keep, Tier tier) {

    public boolean isTableLevel() {
        return type == null && owner == null;
    }

    /** How the GET names this level as the source of a value. */
    public String source() {
        if (owner != null) {
            return "owner:" + owner;
        }
        if (type != null) {
            return "type:" + type;
        }
        return "table";
    }
}
