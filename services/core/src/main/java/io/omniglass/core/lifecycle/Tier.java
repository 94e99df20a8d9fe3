package io.omniglass.core.lifecycle;

/** Where a partition goes after its hot period: Parquet files (the cold tier), or nowhere (it stays hot until dropped). */
public enum Tier {
    parquet,
    none;

    public static Tier parse(String s) {
        try {
            return Tier.valueOf(s.trim().toLowerCase(java.util.Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("tier must be parquet or none, not '" + s + "'");
        }
    }
}
