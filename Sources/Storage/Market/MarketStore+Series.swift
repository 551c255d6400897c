import ClosebellCore
import Glibc

extension MarketStore {
    /// Parses rows (symbol, date, open, high, low, close, volume) in any order, in place, into
    /// one series per symbol, oldest first; `rowsPerSymbol` reserves room in each series.
    ///
    /// Rows mostly come day by day, the symbols of each day in the same order (the order of the
    /// day's file): a row's symbol is first compared with the one after the previous row's, and
    /// only looked up by name (a String made, hashed) when that guess fails.
    func series(_ sql: String, _ params: [any PGBindable], capacity: Int,
                rowsPerSymbol: Int = 0) throws -> [String: SymbolSeries] {
        try db.withRawResult(sql, params, binary: true) { r in
            var index: [String: Int] = [:], list: [SymbolSeries] = [], names: [[UInt8]] = []
            index.reserveCapacity(capacity)
            list.reserveCapacity(capacity)
            names.reserveCapacity(capacity)
            var current = -1
            for i in 0..<r.rowCount {
                let sym = r.bytes(i, 0)
                if current < 0 || !Self.same(names[current], sym) {
                    let next = current + 1 < list.count ? current + 1 : 0
                    if !list.isEmpty, Self.same(names[next], sym) {
                        current = next
                    } else {
                        let name = String(decoding: sym, as: UTF8.self)
                        if let k = index[name] { current = k } else {
                            current = list.count
                            index[name] = current
                            list.append(SymbolSeries(symbol: name, reserving: rowsPerSymbol))
                            names.append(Array(sym))
                        }
                    }
                }
                guard let day = r.date(i, 1) else { throw PGError(sqlState: nil, message: "bad date in ohlcv") }
                var v = (0.0, 0.0, 0.0, 0.0, 0.0)
                try withUnsafeMutableBytes(of: &v) { raw in
                    let x = raw.bindMemory(to: Double.self)
                    for k in 0..<5 {
                        // Open, High, Low and Volume may be NULL (absent in the file, flagged): NaN.
                        if r.isNull(i, 2 + k) { x[k] = .nan; continue }
                        guard let n = r.float8(i, 2 + k) else {
                            throw PGError(sqlState: nil, message: "bad number in ohlcv")
                        }
                        x[k] = n
                    }
                }
                list[current].append(day: Day(daysSinceEpoch: day),
                                     open: v.0, high: v.1, low: v.2, close: v.3, volume: v.4)
            }
            var out: [String: SymbolSeries] = [:]
            out.reserveCapacity(list.count)
            for var s in list {
                s.sortByDay()
                out[s.symbol] = s
            }
            return out
        }
    }

    /// Whether a symbol's UTF-8 bytes equal a value of the result.
    static func same(_ name: [UInt8], _ value: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count == value.count else { return false }
        guard let b = value.baseAddress, !value.isEmpty else { return true }
        return name.withUnsafeBufferPointer { memcmp($0.baseAddress!, b, value.count) == 0 }
    }
}
