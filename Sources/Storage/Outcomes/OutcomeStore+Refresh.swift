import ClosebellCore

extension OutcomeStore {
    /// Recomputes `accuracy_daily` for `market`'s predictions of the as-of days `days` (or of
    /// every day from `from` through `to`), in one transaction: realised returns by one pass of
    /// `lead(close)` over the market's rows from the first such day on, joined to the predictions
    /// (the same values as `prediction_outcomes`). Returns the (model, day) rows written.
    @discardableResult
    public func refreshAccuracy(market: String, days: [Day]? = nil, from: Day? = nil, to: Day? = nil) throws -> Int {
        let first = days?.min() ?? from
        guard let first else { return 0 }
        let dayList = days.map { PGArray.text($0.map(\.description)) }
        return try db.transaction {
            try db.query("""
                DELETE FROM accuracy_daily WHERE market = $1
                  AND ($2::date[] IS NULL OR as_of_date = ANY($2::date[])) AND ($3::date IS NULL OR as_of_date >= $3)
                  AND ($4::date IS NULL OR as_of_date <= $4)
                """, [market, dayList, from?.description, to?.description])
            return try db.query("""
                INSERT INTO accuracy_daily (market, model_kind, model_hash, as_of_date, n, sum_abs, sum_sq, n_direction, hits)
                SELECT $1, model_kind, model_hash, as_of_date, count(*), sum(err), sum(err * err),
                       count(*) FILTER (WHERE realised <> 0),
                       count(*) FILTER (WHERE realised <> 0 AND sign(predicted_return) = sign(realised))
                FROM (
                    SELECT p.model_kind, coalesce(p.model_hash, '') AS model_hash, p.as_of_date, p.predicted_return,
                           r.realised, abs(p.predicted_return - r.realised) AS err
                    FROM predictions p
                    JOIN (SELECT symbol, trading_date, close, lead(close) OVER (PARTITION BY symbol ORDER BY trading_date) AS next
                          FROM ohlcv WHERE market = $1 AND trading_date >= $5) o
                      ON o.symbol = p.symbol AND o.trading_date = p.as_of_date
                    CROSS JOIN LATERAL (SELECT (o.next / o.close - 1) * 100 AS realised) r
                    WHERE p.market = $1 AND o.next IS NOT NULL
                      AND ($2::date[] IS NULL OR p.as_of_date = ANY($2::date[])) AND ($3::date IS NULL OR p.as_of_date >= $3)
                      AND ($4::date IS NULL OR p.as_of_date <= $4)) e
                GROUP BY model_kind, model_hash, as_of_date
                """, [market, dayList, from?.description, to?.description, first.description]).affected
        }
    }

    /// The as-of days whose outcomes an ingest of `days` may have changed: those days, and each
    /// ingested symbol's previous trading day (its prediction's next row is now known or changed).
    /// Each lookup is ordered as the primary key is, so it is one step in the key whatever the
    /// statistics (a `max()` could be planned as a walk of `ohlcv_by_date` over every symbol).
    public func daysTouchedByIngest(market: String, days: [Day]) throws -> [Day] {
        let previous = try db.query("""
            SELECT DISTINCT (SELECT x.trading_date FROM ohlcv x
                             WHERE x.market = o.market AND x.symbol = o.symbol AND x.trading_date < o.trading_date
                             ORDER BY x.symbol DESC, x.trading_date DESC LIMIT 1)
            FROM ohlcv o WHERE o.market = $1 AND o.trading_date = ANY($2::date[])
            """, [market, PGArray.text(days.map(\.description))]).rows.compactMap { $0[0].flatMap(Day.init(iso:)) }
        return Array(Set(previous + days)).sorted()
    }

    /// After new daily files (not replacements) of `days`: each of their symbols' prediction made
    /// on its previous trading day gets its target date set to the day that came — found from the
    /// files' rows, not by scanning predictions — and returns how many changed and those previous
    /// days (the as-of days whose outcomes are now known). A replaced file can also take a row
    /// away: use ``correctTargetDates(market:from:to:)`` for it. Both steps go through the keys:
    /// the previous rows in key order, then the predictions probed from a list of keys (an
    /// `unnest` the planner takes as small, so it drives the join whatever a fresh table's
    /// statistics say — a CTE on the inner side once made this 7 s).
    public func settleNewDays(market: String, days: [Day]) throws -> (changed: Int, asOfDays: [Day]) {
        let rows = try db.query("""
            SELECT o.symbol, o.trading_date::text,
                   (SELECT x.trading_date FROM ohlcv x
                    WHERE x.market = o.market AND x.symbol = o.symbol AND x.trading_date < o.trading_date
                    ORDER BY x.symbol DESC, x.trading_date DESC LIMIT 1)::text
            FROM ohlcv o WHERE o.market = $1 AND o.trading_date = ANY($2::date[])
            """, [market, PGArray.text(days.map(\.description))]).rows.filter { $0[2] != nil }
        guard !rows.isEmpty else { return (0, []) }
        let changed = try db.query("""
            UPDATE predictions p SET target_date = t.day
            FROM unnest($2::text[], $3::date[], $4::date[]) AS t(symbol, as_of, day)
            WHERE p.market = $1 AND p.symbol = t.symbol AND p.as_of_date = t.as_of AND p.target_date <> t.day
            """, [market, PGArray.text(rows.map { $0[0]! }), PGArray.text(rows.map { $0[2]! }),
                  PGArray.text(rows.map { $0[1]! })]).affected
        return (changed, Set(rows.compactMap { $0[2].flatMap(Day.init(iso:)) }).sorted())
    }
}
