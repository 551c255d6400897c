import ClosebellCore

extension MarketStore {
    /// Each symbol's rows from `first` through `last`, plus the `before` rows preceding `first`
    /// (what a backfill's features need), oldest first.
    ///
    /// One scan for all the symbols: their rows from the market's `before`-th trading day before
    /// `first` on, found by the primary key and read page by page (a bitmap scan; the rows of a
    /// day lie together). Each symbol keeps its last `before` rows before `first`. Only a symbol
    /// with fewer rows there (a gap, a suspension, a listing) is read again one by one, with its
    /// own look-back. For 920 symbols over 271 days the server took 71 ms instead of 430 ms, one
    /// index descent per symbol and per part.
    public func ranges(_ symbols: [String], market: String, from first: Day, through last: Day,
                       before: Int) throws -> [String: SymbolSeries] {
        guard !symbols.isEmpty else { return [:] }
        // The oldest day the scan needs; nil when the market has fewer than `before` days before
        // `first`: then every row before `first` is read, and no symbol can lack one.
        let start = try lookBackStart(market: market, before: first, rows: before)
        let span = Int(last.daysSinceEpoch - (start ?? first).daysSinceEpoch) + 1
        var out = try series("""
            SELECT symbol, trading_date, open, high, low, close, volume FROM ohlcv
            WHERE market = $1 AND symbol = ANY($2::text[]) AND trading_date BETWEEN $3::date AND $4
            """, [market, PGArray.text(symbols), start?.description ?? "-infinity", last.description],
            capacity: symbols.count, rowsPerSymbol: min(4096, max(1, span)))
        var short: [String] = []
        for symbol in symbols {
            guard var s = out[symbol] else {
                if start != nil { short.append(symbol) }
                continue
            }
            let earlier = s.days.firstIndex { $0 >= first } ?? s.count
            if earlier > before {
                s = s.slice((earlier - before)..<s.count)
                out[symbol] = s
            } else if earlier < before, start != nil {
                short.append(symbol)
            }
        }
        guard !short.isEmpty else { return out }
        out.merge(try rangesOneByOne(short, market: market, from: first, through: last, before: before)) { $1 }
        return out
    }

    /// The market's `rows`-th trading day (by its ingested files) before `day`; nil when it has
    /// fewer (or `rows` is 0: then `day` itself).
    func lookBackStart(market: String, before day: Day, rows: Int) throws -> Day? {
        guard rows > 0 else { return day }
        let text = try db.query("""
            SELECT min(trading_date)::text, count(*) FROM (SELECT DISTINCT trading_date FROM ingested_files
                                                          WHERE market = $1 AND trading_date < $2
                                                          ORDER BY 1 DESC LIMIT $3) d
            """, [market, day.description, rows]).rows.first
        guard let text, Int(text[1] ?? "0") == rows, let iso = text[0] else { return nil }
        return Day(iso: iso)
    }

    /// ``ranges(_:market:from:through:before:)`` by two index scans per symbol.
    func rangesOneByOne(_ symbols: [String], market: String, from first: Day, through last: Day,
                        before: Int) throws -> [String: SymbolSeries] {
        try series("""
            SELECT s.symbol, w.trading_date, w.open, w.high, w.low, w.close, w.volume
            FROM unnest($1::text[]) AS s(symbol)
            CROSS JOIN LATERAL (
                SELECT * FROM (
                    SELECT trading_date, open, high, low, close, volume FROM ohlcv o
                    WHERE o.market = $5 AND o.symbol = s.symbol AND o.trading_date < $2
                    ORDER BY trading_date DESC LIMIT $4) b
                UNION ALL
                SELECT trading_date, open, high, low, close, volume FROM ohlcv o
                WHERE o.market = $5 AND o.symbol = s.symbol AND o.trading_date BETWEEN $2 AND $3) w
            """, [PGArray.text(symbols), first.description, last.description, before, market],
            capacity: symbols.count,
            rowsPerSymbol: before + min(4096, Int(last.daysSinceEpoch - first.daysSinceEpoch) + 1))
    }
}
