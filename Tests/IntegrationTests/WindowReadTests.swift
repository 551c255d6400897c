import ClosebellCore
@testable import ClosebellStorage
import Testing

/// A daily run's windows read as two spans of days (``WindowRead``) must equal each symbol's
/// last rows read one by one: whole span reads and filtered ones, symbols with gaps (halts,
/// late listings) and symbols that did not trade on the run's day alike.
@Suite("Windows read by spans of days", .serialized,
       .enabled(if: TestServers.databaseShouldRun, TestServers.databaseSkipReason))
struct WindowReadTests {
    @Test("two spans, read whole or filtered, give every symbol its one-by-one window")
    func spansEqualOneByOne() throws {
        let c = try Cluster(symbols: 50, days: 45, youngSymbols: true)
        let db = try c.db()
        defer { db.close() }
        // Gaps: a symbol halted on three days inside the window, one absent on the run's day.
        let days = try db.query("""
            SELECT DISTINCT trading_date::text FROM ohlcv WHERE trading_date <= $1 ORDER BY 1 DESC LIMIT 8
            """, [c.day.description]).rows.map { $0[0]! }
        let all = try db.query("SELECT DISTINCT symbol FROM ohlcv ORDER BY 1").rows.map { $0[0]! }
        try db.execute("""
            DELETE FROM ohlcv WHERE symbol = '\(all[3])' AND trading_date = ANY('{\(days[2]),\(days[4]),\(days[7])}')
            """)
        try db.execute("DELETE FROM ohlcv WHERE symbol = '\(all[5])' AND trading_date = '\(days[0])'")
        let store = MarketStore(db: db)
        for rows in [1, 2, 5, 21] {
            for symbols in [all, Array(all.prefix(6)), [all[3], all[5]]] {
                let read = try #require(try store.windowRead(symbols, market: "nepse", through: c.day, rows: rows))
                #expect(read.unfiltered == (symbols.count == all.count))
                #expect(read.spans.count == (rows >= 2 ? 2 : 1))
                let spans = try store.finish(read, read.spans.map { try store.windowRows(read, $0) })
                let whole = try store.windows(symbols, market: "nepse", through: c.day, rows: rows)
                for s in symbols {
                    let expected = try oneByOne(db, s, through: c.day, rows: rows)
                    #expect(same(spans[s], expected), "\(s), \(rows) rows, \(symbols.count) symbols: spans")
                    #expect(same(whole[s], expected), "\(s), \(rows) rows, \(symbols.count) symbols: one piece")
                }
                #expect(Set(spans.keys).isSubset(of: Set(symbols)))
            }
        }
        // Fewer ingested days than the window: no plan, every window is read one by one.
        #expect(try store.windowRead(all, market: "nepse", through: c.day, rows: 10_000) == nil)
    }

    @Test("a backfill's ranges, read in one scan, equal each symbol's range and look-back read one by one")
    func rangesEqualOneByOne() throws {
        let c = try Cluster(symbols: 40, days: 45, youngSymbols: true)
        let db = try c.db()
        defer { db.close() }
        let days = try db.query("""
            SELECT DISTINCT trading_date::text FROM ohlcv WHERE trading_date <= $1 ORDER BY 1 DESC
            """, [c.day.description]).rows.map { Day(iso: $0[0]!)! }
        let all = try db.query("SELECT DISTINCT symbol FROM ohlcv ORDER BY 1").rows.map { $0[0]! }
        // Gaps in the look-back (a halt just before the range), in the range, and a symbol that
        // stopped trading before it.
        try db.execute("""
            DELETE FROM ohlcv WHERE symbol = '\(all[2])' AND trading_date = ANY('{\(days[12]),\(days[13])}')
            """)
        try db.execute("DELETE FROM ohlcv WHERE symbol = '\(all[4])' AND trading_date = '\(days[3])'")
        try db.execute("DELETE FROM ohlcv WHERE symbol = '\(all[6])' AND trading_date >= '\(days[20])'")
        let store = MarketStore(db: db)
        let first = days[10], last = days[1]
        for before in [0, 1, 5, 20, days.count] {
            for symbols in [all, [all[2], all[4], all[6]]] {
                let scan = try store.ranges(symbols, market: "nepse", from: first, through: last, before: before)
                let plain = try store.rangesOneByOne(symbols, market: "nepse", from: first, through: last,
                                                     before: before)
                #expect(Set(scan.keys) == Set(plain.keys), "\(before) rows before, \(symbols.count) symbols")
                for s in symbols {
                    #expect(same(scan[s], plain[s]), "\(s), \(before) rows before, \(symbols.count) symbols")
                }
            }
        }
    }

    /// Equal days and bit-equal values (an absent value is NaN, which equals nothing).
    func same(_ a: SymbolSeries?, _ b: SymbolSeries?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        func bits(_ x: [Double]) -> [UInt64] { x.map(\.bitPattern) }
        return a.symbol == b.symbol && a.days == b.days && bits(a.open) == bits(b.open) && bits(a.high) == bits(b.high)
            && bits(a.low) == bits(b.low) && bits(a.close) == bits(b.close) && bits(a.volume) == bits(b.volume)
    }

    /// A symbol's last `rows` rows through `day`, by the plainest query there is.
    func oneByOne(_ db: PGConnection, _ symbol: String, through day: Day, rows: Int) throws -> SymbolSeries? {
        let r = try db.query("""
            SELECT trading_date::text, open, high, low, close, volume FROM (
                SELECT * FROM ohlcv WHERE symbol = $1 AND trading_date <= $2 ORDER BY trading_date DESC LIMIT $3) w
            ORDER BY trading_date
            """, [symbol, day.description, rows]).rows
        guard !r.isEmpty else { return nil }
        var s = SymbolSeries(symbol: symbol)
        for row in r {
            func v(_ i: Int) -> Double { row[i].flatMap(Double.init) ?? .nan }
            s.append(day: Day(iso: row[0]!)!, open: v(1), high: v(2), low: v(3), close: v(4), volume: v(5))
        }
        return s
    }
}
