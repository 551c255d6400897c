import ClosebellCore

/// How a daily run reads its symbols' windows: the market's last `rows` trading days, in one
/// or two spans of days that can be read at once on two connections
/// (``MarketStore/windowRead(_:market:through:rows:)``).
///
/// Split by day, not by symbol, the two reads scan disjoint rows: split by symbol, each scanned
/// every row of the window and kept half. When the symbols are most of those that traded on the
/// last day, the spans are read whole and the few other symbols dropped here: a filter of
/// thousands of names costs the server more to plan than the rows it saves.
public struct WindowRead: Sendable {
    /// The symbols whose windows are read.
    public let symbols: [String]
    /// The market.
    public let market: String
    /// Rows per window.
    public let rows: Int
    /// The run's day: windows end on it or before.
    public let through: Day
    /// The market's last `rows` trading days through `through`, oldest first (`rows` of them).
    public let days: [Day]
    /// Whether the spans are read without a filter on the symbols.
    public let unfiltered: Bool

    /// The spans of days to read: two halves, or the whole window when it has one day.
    public var spans: [ClosedRange<Day>] {
        guard days.count >= 2 else { return [days[0]...days[0]] }
        let mid = days.count / 2
        return [days[0]...days[mid - 1], days[mid]...days[days.count - 1]]
    }
}

extension MarketStore {
    /// Each symbol's last `rows` rows up to and including `day` (what its features need).
    ///
    /// Most symbols trade every day: one scan over the market's last `rows` trading days (by the
    /// date index, rows of a day lie together) gives them their windows whole, and nothing is
    /// sorted by the server. Only symbols with fewer rows there (gaps, a suspension) are looked
    /// up one by one. The result is parsed in place.
    public func windows(_ symbols: [String], market: String, through day: Day,
                        rows: Int) throws -> [String: SymbolSeries] {
        guard let read = try windowRead(symbols, market: market, through: day, rows: rows) else {
            return try windowsOneByOne(symbols, market: market, through: day, rows: rows)
        }
        return try finish(read, try read.spans.map { try windowRows(read, $0) })
    }

    /// The plan of a windows read; nil when the market has fewer than `rows` ingested days
    /// through `day` (then every window is read one by one).
    public func windowRead(_ symbols: [String], market: String, through day: Day, rows: Int) throws -> WindowRead? {
        let r = try db.query("""
            SELECT ARRAY(SELECT trading_date FROM (SELECT DISTINCT trading_date FROM ingested_files
                                                   WHERE market = $1 AND trading_date <= $2) d
                         ORDER BY 1 DESC LIMIT $3)::text,
                   (SELECT count(*) FROM ohlcv WHERE market = $1 AND trading_date = $2)
            """, [market, day.description, max(1, rows)])
        guard let row = r.rows.first, let text = row[0] else { return nil }
        let days = PGArray.parseText(text).compactMap { Day(iso: $0) }.reversed() as [Day]
        guard rows > 0, days.count >= rows else { return nil }
        let onDay = Int(row[1] ?? "0") ?? 0
        return WindowRead(symbols: symbols, market: market, rows: rows, through: day, days: days,
                          unfiltered: symbols.count * 2 >= onDay && onDay > 0)
    }

    /// The rows of one span of a windows read, as series per symbol (oldest first).
    public func windowRows(_ read: WindowRead, _ span: ClosedRange<Day>) throws -> [String: SymbolSeries] {
        let cols = "SELECT symbol, trading_date, open, high, low, close, volume FROM ohlcv"
        let perSymbol = read.days.reduce(0) { $0 + (span.contains($1) ? 1 : 0) }
        let capacity = read.unfiltered ? read.symbols.count + read.symbols.count / 8 : read.symbols.count
        if read.unfiltered {
            return try series("\(cols) WHERE market = $1 AND trading_date BETWEEN $2 AND $3",
                              [read.market, span.lowerBound.description, span.upperBound.description],
                              capacity: capacity, rowsPerSymbol: perSymbol)
        }
        return try series("""
            \(cols) WHERE market = $2 AND trading_date BETWEEN $3 AND $4 AND symbol = ANY($1::text[])
            """, [PGArray.text(read.symbols), read.market, span.lowerBound.description, span.upperBound.description],
            capacity: capacity, rowsPerSymbol: perSymbol)
    }

    /// The windows of a read from its spans' rows (oldest span first): joined, cut to `rows`,
    /// and completed one by one for symbols with fewer rows in the window's days.
    public func finish(_ read: WindowRead, _ parts: [[String: SymbolSeries]]) throws -> [String: SymbolSeries] {
        var out: [String: SymbolSeries] = [:]
        out.reserveCapacity(read.symbols.count)
        var short: [String] = []
        for symbol in read.symbols {
            var s: SymbolSeries?
            for part in parts {
                guard let p = part[symbol] else { continue }
                if s == nil { s = p } else { s!.append(contentsOf: p) }
            }
            guard let whole = s, whole.count >= read.rows else { short.append(symbol); continue }
            out[symbol] = whole.count > read.rows ? whole.suffix(read.rows) : whole
        }
        if !short.isEmpty {
            out.merge(try windowsOneByOne(short, market: read.market, through: read.through, rows: read.rows)) { $1 }
        }
        return out
    }

    /// ``windows(_:market:through:rows:)`` by one index scan per symbol.
    func windowsOneByOne(_ symbols: [String], market: String, through day: Day,
                         rows: Int) throws -> [String: SymbolSeries] {
        try series("""
            SELECT s.symbol, w.trading_date, w.open, w.high, w.low, w.close, w.volume
            FROM unnest($1::text[]) AS s(symbol)
            CROSS JOIN LATERAL (
                SELECT trading_date, open, high, low, close, volume FROM ohlcv o
                WHERE o.market = $4 AND o.symbol = s.symbol AND o.trading_date <= $2
                ORDER BY trading_date DESC LIMIT $3) w
            """, [PGArray.text(symbols), day.description, rows, market], capacity: symbols.count,
            rowsPerSymbol: rows)
    }
}
