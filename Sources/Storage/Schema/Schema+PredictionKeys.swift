extension Schema {
    /// Migration 17: `predictions` keyed by (market, as-of date, symbol), its one index.
    ///
    /// The key was led by the symbol, with `predictions_by_date` beside it. A daily run writes
    /// one row per symbol, all of one date: in a key led by the symbol each lands on another
    /// leaf, and after a checkpoint (a day later, there has always been one) every one of those
    /// leaves is written to the WAL whole once. With a year of predictions (2.4M rows, 10,000
    /// symbols) a day's 10,000 rows took 270–290 ms to insert after a checkpoint; keyed by the
    /// day they are appended to the key's right edge and took 60–80 ms, and the second index is
    /// gone (it was this key's prefix).
    ///
    /// Everything Closebell reads of `predictions` goes by date or binds all three columns (the
    /// upsert, `--only-unpredicted`, the outcomes), and uniqueness is unchanged. A query for
    /// one symbol's whole history, given no date, reads the market's entries of the key.
    static let predictionsKeyedByDay = """
        SET LOCAL maintenance_work_mem = '256MB';
        ALTER TABLE predictions DROP CONSTRAINT predictions_pkey;
        DROP INDEX predictions_by_date;
        ALTER TABLE predictions ADD CONSTRAINT predictions_pkey PRIMARY KEY (market, as_of_date, symbol);
        """
}
