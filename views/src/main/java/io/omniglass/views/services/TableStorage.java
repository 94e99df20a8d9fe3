package io.omniglass.views.services;

/**
 * One append-only table's footprint: hot (Postgres heap and indexes of every partition; rows as
 * the planner estimates them) and cold (Parquet files named by the manifest; exact). Days are
 * ISO dates or null.
 */
public record TableStorage(String table, long hotBytes, long hotRowsEstimate, long hotPartitions, String hotOldestDay,
                           long coldFiles, long coldRows, long coldBytes, String coldOldestDay, String coldNewestDay) {
}
