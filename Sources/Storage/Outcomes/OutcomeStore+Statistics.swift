extension OutcomeStore {
    /// Gathers `predictions`' statistics (`ANALYZE`) when PostgreSQL has none yet, or when the
    /// rows written since — `pending` of them by the run just finished, which the server may not
    /// have counted yet — outnumber those it describes (the table more than doubled: a young
    /// system's first days, a backfill). Returns whether it analysed.
    ///
    /// The accuracy sums join predictions to outcomes: planned without statistics (a fresh system,
    /// before autovacuum's first pass) the join was a nested loop over every pair, 172 ms instead
    /// of 2 ms for one day of 300 symbols, and quadratic in the symbols.
    @discardableResult
    public func analyzePredictionsIfStale(pending: Int) throws -> Bool {
        guard let row = try db.query("""
            SELECT s.last_analyze IS NULL AND s.last_autoanalyze IS NULL, s.n_mod_since_analyze,
                   greatest(c.reltuples, 0)::bigint
            FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
            WHERE s.relid = 'predictions'::regclass
            """).rows.first else { return false }
        let never = row[0] == "t", changed = Int(row[1] ?? "0") ?? 0, rows = Int(row[2] ?? "0") ?? 0
        guard never || changed + pending > rows + Self.analyzeThreshold else { return false }
        try db.execute("ANALYZE predictions")
        return true
    }

    /// Rows written beyond the number `predictions`' statistics describe before they are gathered again.
    static let analyzeThreshold = 1_000
}
