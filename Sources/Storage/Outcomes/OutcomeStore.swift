import ClosebellCore

/// Realised returns and accuracy (the `prediction_outcomes` and `model_accuracy_daily` views of
/// migration 10), and the correction of `predictions.target_date` to the date that came.
public struct OutcomeStore {
    public let db: PGConnection

    public init(db: PGConnection) { self.db = db }

    /// Accuracy over the predictions with an outcome whose as-of date is in `from...to` (either
    /// end open), grouped, optionally of one market; sorted by the group's key.
    public func accuracy(by grouping: AccuracyGrouping, from: Day?, to: Day?, market: String? = nil) throws -> [AccuracyRow] {
        let keys = grouping.keyColumns
        let keySQL = keys.map { $0 == "as_of_date" ? "as_of_date::text" : "coalesce(\($0), '')" }
        let rows = try db.query("""
            SELECT \(keySQL.joined(separator: ", ")), count(*), avg(abs_error), sqrt(avg(abs_error * abs_error)),
                   count(*) FILTER (WHERE direction_hit)::float8 / nullif(count(direction_hit), 0)
            FROM prediction_outcomes
            WHERE ($1::date IS NULL OR as_of_date >= $1) AND ($2::date IS NULL OR as_of_date <= $2)
              AND ($3::text IS NULL OR market = $3)
            GROUP BY \(keys.joined(separator: ", ")) ORDER BY \(keys.joined(separator: ", "))
            """, [from?.description, to?.description, market])
        return try rows.decode { r in
            let k = keys.count
            return AccuracyRow(key: try (0..<k).map { try r.string($0) }, n: try r.int(k), mae: try r.double(k + 1),
                               rmse: try r.double(k + 2), hitRate: r.optional(k + 3).flatMap(Double.init))
        }
    }

    /// Whether `market` has predictions made from `from` through `to`.
    public func hasPredictions(market: String, from: Day, to: Day) throws -> Bool {
        try db.query("SELECT EXISTS (SELECT 1 FROM predictions WHERE market = $1 AND as_of_date BETWEEN $2 AND $3)",
                     [market, from.description, to.description]).scalar == "t"
    }

    /// Whether a file of `market` for a day after `day` was ingested: without one, no prediction
    /// made on `day` or before it can have an outcome yet (a daily run on the newest day).
    public func hasDataAfter(market: String, day: Day) throws -> Bool {
        try db.query("SELECT EXISTS (SELECT 1 FROM ingested_files WHERE market = $1 AND trading_date > $2)",
                     [market, day.description]).scalar == "t"
    }

    /// Sets `target_date` of `market`'s predictions made from `from` through `to` to the date of
    /// the symbol's next row, where one has arrived and differs from the calendar's guess (a
    /// holiday, a halt). Returns how many changed. The next row is found in key order.
    @discardableResult
    public func correctTargetDates(market: String, from: Day, to: Day) throws -> Int {
        // One pass over the predictions, no self-join: joined back to itself, a freshly filled
        // table's statistics (one row) once made PostgreSQL pair every prediction with every
        // other of its day (29 s for 40,000 predictions).
        let next = """
            (SELECT o.trading_date FROM ohlcv o WHERE o.market = p.market AND o.symbol = p.symbol
               AND o.trading_date > p.as_of_date ORDER BY o.symbol, o.trading_date LIMIT 1)
            """
        return try db.query("""
            UPDATE predictions p SET target_date = \(next)
            WHERE p.market = $1 AND p.as_of_date BETWEEN $2 AND $3 AND p.target_date <> \(next)
            """, [market, from.description, to.description]).affected
    }
}
