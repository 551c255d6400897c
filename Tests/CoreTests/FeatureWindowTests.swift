import ClosebellCore
import Testing

/// A backfill computes each day's window in place (``FeatureEngine/compute(_:rows:returns:into:)``)
/// instead of copying it into a series of its own: the values must be the copy's, bit for bit.
@Suite("Features of a window read in place")
struct FeatureWindowTests {
    /// A reproducible series with the shapes that matter: a random walk, a flat stretch (zero
    /// variance, RSI of 0/0), missing opens and volumes (NaN), zero volume.
    static func series(rows: Int, seed: UInt64) -> SymbolSeries {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        var s = SymbolSeries(symbol: "TEST")
        var close = 100.0
        for i in 0..<rows {
            if !(40..<70).contains(i) { close *= 1 + (next() - 0.5) * 0.04 }
            let open = i % 17 == 0 ? Double.nan : close * (1 + (next() - 0.5) * 0.01)
            let volume = i % 23 == 0 ? 0 : (i % 29 == 0 ? Double.nan : (next() * 1e6).rounded())
            s.append(day: Day(daysSinceEpoch: 19_000 + Int32(i)), open: open, high: max(open.isNaN ? close : open, close) * 1.01,
                     low: min(open.isNaN ? close : open, close) * 0.99, close: close, volume: volume)
        }
        return s
    }

    @Test("every window of a long series, computed in place, equals the features of its copy")
    func inPlaceEqualsCopy() {
        let engine = FeatureEngine(), m = engine.features.count
        let window = max(engine.window, Predictor.fallbackWindow + 1)
        let s = Self.series(rows: 300, seed: 7)
        let returns = UnsafeMutableBufferPointer<Double>.allocate(capacity: window)
        let columns = UnsafeMutableBufferPointer<Double>.allocate(capacity: window * m)
        defer { returns.deallocate(); columns.deallocate() }
        var compared = 0
        for last in 0..<s.count {
            let rows = max(0, last + 1 - window)..<(last + 1)
            let copy = engine.compute(s.slice(rows)).columns
            engine.compute(s, rows: rows, returns: returns, into: columns)
            let inPlace = Array(columns[0..<(rows.count * m)])
            #expect(copy.map(\.bitPattern) == inPlace.map(\.bitPattern), "window ending at row \(last)")
            compared += copy.count
        }
        #expect(compared > 300 * m)
    }
}
