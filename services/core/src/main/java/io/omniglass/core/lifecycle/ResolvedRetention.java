package io.omniglass.core.lifecycle;

import java.time.Duration;

/**
 * The policy in force for a table, class or owner, each value with the level it came from
 * ({@code default}, {@code table}, {@code type:KEY} or {@code owner:OWNER}). With tier
 * {@code none} the data stays hot until {@code keep}; with {@code parquet} it is hot for
 * {@code hot}, then cold until {@code keep}.
 */
public record ResolvedRetention(String table, String type, String owner,
                                Duration hot, String hotFrom,
                                Duration keep, String keepFrom,
                                Tier tier, String tierFrom) {

    /** How long rows under this policy must stay in Postgres. */
    public Duration hotFor() {
        return tier == Tier.parquet ? hot : keep;
    }
}
