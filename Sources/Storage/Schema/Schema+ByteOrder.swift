extension Schema {
    /// Migration 15: `symbol` and `market` of `ohlcv`, `data_quality` and `predictions` compare
    /// in the "C" collation, byte by byte.
    ///
    /// The keys of these tables lead with the symbol. In a libc collation other than "C" (the
    /// default `C.UTF-8` or `en_US.UTF-8`), every comparison calls `strcoll` and sorts get no
    /// abbreviated keys. Building the primary key of a first history load (2.4M rows) then costs
    /// about a third more, and every row a daily ingest or run writes pays it at each level of
    /// the key's tree.
    ///
    /// Equality is unchanged: every libc collation is deterministic, so equal means equal bytes.
    /// Order is UTF-8 byte order, which is code point order: the order Swift's `String`
    /// comparison gives names in Unicode's composed form (NFC), whatever the database's locale.
    ///
    /// Only the collation changes, so no table is rewritten; the indexes on the columns are
    /// rebuilt. `prediction_outcomes` reads both tables' columns and is created again as
    /// migration 12 left it.
    static var byteOrderedNames: String {
        let columns = ["symbol", "market"].map { "ALTER COLUMN \($0) TYPE text COLLATE \"C\"" }
            .joined(separator: ", ")
        let tables = ["ohlcv", "data_quality", "predictions"].map { "ALTER TABLE \($0) \(columns);" }
        return (["DROP VIEW prediction_outcomes;"] + tables + [
            outcomesViewInKeyOrder,
            "GRANT SELECT ON prediction_outcomes TO \(analystRole);",
        ]).joined(separator: "\n")
    }
}
