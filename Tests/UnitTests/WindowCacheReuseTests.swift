import ClosebellCore
@testable import ClosebellCoordinator
@testable import ClosebellStorage
import Testing

/// What a resident coordinator's ``WindowCache`` may give the next read, given the changes of
/// `ohlcv` committed since it was filled (no servers: the decision alone).
@Suite("Window cache: what the next read may reuse")
struct WindowCacheReuseTests {
    let day0 = Day(iso: "2025-01-01")!

    func day(_ k: Int) -> Day { Day(daysSinceEpoch: day0.daysSinceEpoch + Int32(k)) }

    /// A whole-market read of the 21 days ending on day `last`.
    func read(through last: Int, unfiltered: Bool = true, market: String = "nepse") -> WindowRead {
        WindowRead(symbols: ["A"], market: market, rows: 21, through: day(last),
                   days: (last - 20...last).map(day), unfiltered: unfiltered)
    }

    func changes(_ touched: [ClosedRange<Day>?]) -> OHLCVChanges { OHLCVChanges(snapshot: "2:2:", touched: touched) }

    /// A cache filled by the read through day 20 (days 0 through 20).
    func filled() -> WindowCache {
        let cache = WindowCache()
        var s = SymbolSeries(symbol: "A")
        for k in 0...20 { s.append(day: day(k), open: 1, high: 1, low: 1, close: Double(k), volume: 1) }
        _ = cache.store(read(through: 20), parts: [["A": s]], snapshot: "1:1:")
        return cache
    }

    @Test("the next day reads only its own day; a declared day is read again with the days after it")
    func declaredChanges() {
        let cache = filled()
        #expect(WindowCache().reuse(for: read(through: 21), after: changes([])) == nil)
        #expect(cache.reuse(for: read(through: 21), after: changes([]))
                == .init(keep: day(1)...day(20), fetch: day(21)...day(21)))
        #expect(cache.reuse(for: read(through: 21), after: changes([day(21)...day(21)]))
                == .init(keep: day(1)...day(20), fetch: day(21)...day(21)))
        #expect(cache.reuse(for: read(through: 21), after: changes([day(30)...day(31), day(9)...day(10)]))
                == .init(keep: day(1)...day(8), fetch: day(9)...day(21)))
        #expect(cache.reuse(for: read(through: 20), after: changes([])) == .init(keep: day(0)...day(20), fetch: nil))
    }

    @Test("an undeclared change, another market, a read of some symbols or a window before the cache's: all read")
    func nothingReused() {
        let cache = filled()
        #expect(cache.reuse(for: read(through: 21), after: changes([day(21)...day(21), nil])) == nil)
        #expect(cache.reuse(for: read(through: 21, market: "other"), after: changes([])) == nil)
        #expect(cache.reuse(for: read(through: 21, unfiltered: false), after: changes([])) == nil)
        #expect(cache.reuse(for: read(through: 19), after: changes([])) == nil)
        #expect(cache.reuse(for: read(through: 50), after: changes([])) == nil)
    }

    @Test("a day the kept read did not list (a late file) is read, with the days after it")
    func lateDay() {
        let cache = WindowCache()
        let listed = (0...21).filter { $0 != 10 }.map(day)
        let first = WindowRead(symbols: ["A"], market: "nepse", rows: 21, through: day(21), days: listed,
                               unfiltered: true)
        _ = cache.store(first, parts: [[:]], snapshot: "1:1:")
        let late = WindowRead(symbols: ["A"], market: "nepse", rows: 21, through: day(21),
                              days: (1...21).map(day), unfiltered: true)
        #expect(cache.reuse(for: late, after: changes([])) == .init(keep: day(1)...day(9), fetch: day(10)...day(21)))
        #expect(cache.reuse(for: read(through: 21, market: "other"), after: changes([])) == nil)
    }

    @Test("joined rows: the kept days, then the fetched ones")
    func joins() {
        let cache = filled()
        let r = read(through: 21)
        let reuse = cache.reuse(for: r, after: changes([]))!
        var new = SymbolSeries(symbol: "A")
        new.append(day: day(21), open: 1, high: 1, low: 1, close: 21, volume: 1)
        var b = SymbolSeries(symbol: "B")
        b.append(day: day(21), open: 1, high: 1, low: 1, close: 7, volume: 1)
        let rows = cache.join(r, reuse, fetched: ["A": new, "B": b], snapshot: "3:3:")
        #expect(rows["A"]!.days == (1...21).map(day))
        #expect(rows["A"]!.close == (1...21).map(Double.init))
        #expect(rows["B"]!.close == [7])
        #expect(cache.snapshot(for: "nepse") == "3:3:" && cache.hits == 1 && cache.misses == 1)
    }
}
