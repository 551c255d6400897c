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
            try deleteAccuracy(market: market, days: dayList, from: from, to: to)
            return try db.query("""
                INSERT INTO accuracy_daily (market, model_kind, model_hash, as_of_date,
                                            n, sum_abs, sum_sq, n_direction, hits)
                SELECT $1, s.* FROM (\(Self.dailySums(symbols: { _ in "true" }))) s
                """, [market, dayList, from?.description, to?.description, first.description]).affected
        }
    }

    /// Removes `accuracy_daily`'s rows of the as-of days `days` (a text array, or nil for any),
    /// restricted to `from` through `to` (either end open).
    func deleteAccuracy(market: String, days: String?, from: Day?, to: Day?) throws {
        try db.query("""
            DELETE FROM accuracy_daily WHERE market = $1
              AND ($2::date[] IS NULL OR as_of_date = ANY($2::date[])) AND ($3::date IS NULL OR as_of_date >= $3)
              AND ($4::date IS NULL OR as_of_date <= $4)
            """, [market, days, from?.description, to?.description])
    }

    /// The daily sums of `accuracy_daily` (model kind, hash, as-of date, n, sum of absolute and of
    /// squared errors, predictions with a direction, hits): $1 market, $2 as-of days or NULL, $3 and
    /// $4 the range (either NULL), $5 the first as-of day; `symbols` makes a further condition on a
    /// symbol column (`p.symbol`, `symbol`), applied to both the predictions and the rows.
    ///
    /// Rows are grouped by model in the "C" collation, as they are partitioned by symbol (migration 15):
    /// the groups are the same (the default collation is deterministic: equal means equal bytes), and
    /// the sorts compare bytes with abbreviated keys instead of calling `strcoll` (a daily ingest's sums:
    /// 77 ms → 50 ms).
    static func dailySums(symbols: (String) -> String) -> String {
        """
        SELECT model_kind, model_hash, as_of_date, count(*), sum(err), sum(err * err),
               count(*) FILTER (WHERE realised <> 0),
               count(*) FILTER (WHERE realised <> 0 AND sign(predicted_return) = sign(realised))
        FROM (
            SELECT p.model_kind COLLATE "C" AS model_kind, coalesce(p.model_hash, '') COLLATE "C" AS model_hash,
                   p.as_of_date, p.predicted_return, r.realised, abs(p.predicted_return - r.realised) AS err
            FROM predictions p
            JOIN (SELECT symbol, trading_date, close,
                         lead(close) OVER (PARTITION BY symbol ORDER BY trading_date) AS next
                  FROM ohlcv WHERE market = $1 AND trading_date >= $5 AND \(symbols("symbol"))) o
              ON o.symbol = p.symbol AND o.trading_date = p.as_of_date
            CROSS JOIN LATERAL (SELECT (o.next / o.close - 1) * 100 AS realised) r
            WHERE p.market = $1 AND o.next IS NOT NULL AND \(symbols("p.symbol"))
              AND ($2::date[] IS NULL OR p.as_of_date = ANY($2::date[])) AND ($3::date IS NULL OR p.as_of_date >= $3)
              AND ($4::date IS NULL OR p.as_of_date <= $4)) e
        GROUP BY model_kind, model_hash, as_of_date
        """
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
    /// away: use ``correctTargetDates(market:from:to:)`` for it.
    ///
    /// Nearly every symbol of a day also has a row on the market's previous trading day: those are
    /// matched by two range scans of `ohlcv_by_date` (set arithmetic here, whatever the planner
    /// would estimate for a day it has no statistics of yet) and their predictions updated by one
    /// scan of that day's predictions; only the others (a halt, a new listing) look their previous
    /// row up one by one, in key order. One look-up per symbol cost 230 ms for 10,000 symbols.
    public func settleNewDays(market: String, days: [Day]) throws -> (changed: Int, asOfDays: [Day]) {
        var changed = 0, asOf = Set<Day>()
        for day in Set(days).sorted() {
            guard let previous = try previousTradingDay(market: market, before: day) else { continue }
            let onDay = try MarketStore(db: db).symbols(market: market, on: day, sorted: false)
            let onPrevious = Set(try MarketStore(db: db).symbols(market: market, on: previous, sorted: false))
            let both = onDay.filter(onPrevious.contains), gaps = onDay.filter { !onPrevious.contains($0) }.sorted()
            if !both.isEmpty {
                asOf.insert(previous)
                // Joined with the names, not `symbol = ANY(…)`: the planner estimates each element
                // of such an array, 12 ms for 10,000 names against 0.4 ms.
                changed += try db.query("""
                    UPDATE predictions p SET target_date = $3 FROM unnest($4::text[]) AS t(symbol)
                    WHERE p.market = $1 AND p.as_of_date = $2 AND p.target_date <> $3 AND p.symbol = t.symbol
                    """, [market, previous.description, day.description, PGArray.text(both)]).affected
            }
            guard !gaps.isEmpty else { continue }
            let rows = try db.query("""
                SELECT s, (SELECT x.trading_date FROM ohlcv x
                           WHERE x.market = $1 AND x.symbol = s AND x.trading_date < $2
                           ORDER BY x.symbol DESC, x.trading_date DESC LIMIT 1)::text
                FROM unnest($3::text[]) AS s
                """, [market, day.description, PGArray.text(gaps)]).rows.filter { $0[1] != nil }
            guard !rows.isEmpty else { continue }
            asOf.formUnion(rows.compactMap { $0[1].flatMap(Day.init(iso:)) })
            changed += try db.query("""
                UPDATE predictions p SET target_date = $4
                FROM unnest($2::text[], $3::date[]) AS t(symbol, as_of)
                WHERE p.market = $1 AND p.symbol = t.symbol AND p.as_of_date = t.as_of AND p.target_date <> $4
                """, [market, PGArray.text(rows.map { $0[0]! }), PGArray.text(rows.map { $0[1]! }),
                      day.description]).affected
        }
        return (changed, asOf.sorted())
    }

    /// The market's trading day before `day`: the newest day of a file that loaded rows (a few
    /// rows a day in `ingested_files`; `ohlcv_by_date` is a BRIN index, which gives no order).
    func previousTradingDay(market: String, before day: Day) throws -> Day? {
        try db.query("""
            SELECT max(trading_date)::text FROM ingested_files
            WHERE market = $1 AND trading_date < $2 AND rows_loaded > 0
            """, [market, day.description]).scalar.flatMap(Day.init(iso:))
    }
}
