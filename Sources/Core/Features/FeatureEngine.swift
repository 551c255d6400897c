/// Feature values for one symbol: rows × columns, row-major, NaN where undefined.
public struct FeatureMatrix: Sendable {
    public let symbol: String
    public let names: [String]
    public let days: [Day]
    public let values: [Double]

    public var rowCount: Int { days.count }
    public var columnCount: Int { names.count }

    public func value(row: Int, column: Int) -> Double { values[row * names.count + column] }

    public func row(_ r: Int) -> ArraySlice<Double> { values[(r * names.count)..<((r + 1) * names.count)] }

    /// True when no feature on the row is NaN (pandas `dropna` keeps it).
    public func isComplete(row r: Int) -> Bool {
        let m = names.count
        for c in 0..<m where values[r * m + c].isNaN { return false }
        return true
    }

    /// Rows that survive `dropna`.
    public var completeRows: [Int] { (0..<rowCount).filter(isComplete(row:)) }
}

/// Computes features for a symbol's series in one pass per feature.
public struct FeatureEngine: Sendable {
    public let features: [any Feature]

    public init(features: [any Feature]) { self.features = features }

    public init(registry: FeatureRegistry = .standard) { self.features = registry.features }

    public var names: [String] { features.map(\.name) }

    /// Rows of history the last row needs.
    public var window: Int { FeatureRegistry.window(for: features) }

    /// Every row's features.
    public func compute(_ s: SymbolSeries) -> FeatureMatrix {
        let n = s.count, m = features.count
        var values = [Double](repeating: .nan, count: n * m)
        guard n > 0 else { return FeatureMatrix(symbol: s.symbol, names: names, days: s.days, values: values) }
        let returns = UnsafeMutableBufferPointer<Double>.allocate(capacity: n * 2)
        defer { returns.deallocate() }
        let column = UnsafeMutableBufferPointer(rebasing: returns[n..<(2 * n)])
        s.open.withUnsafeBufferPointer { o in
            s.high.withUnsafeBufferPointer { h in
                s.low.withUnsafeBufferPointer { l in
                    s.close.withUnsafeBufferPointer { c in
                        s.volume.withUnsafeBufferPointer { v in
                            ReturnFeature.returns(close: c, into: UnsafeMutableBufferPointer(rebasing: returns[0..<n]))
                            let input = FeatureInput(open: o, high: h, low: l, close: c, volume: v,
                                                     returns: UnsafeBufferPointer(rebasing: returns[0..<n]))
                            values.withUnsafeMutableBufferPointer { out in
                                for (j, f) in features.enumerated() {
                                    f.compute(input, into: column)
                                    for i in 0..<n { out[i * m + j] = column[i] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return FeatureMatrix(symbol: s.symbol, names: names, days: s.days, values: values)
    }

    /// The last row's features, from only the last ``window`` rows (what a daily run ships).
    public func lastRow(_ s: SymbolSeries) -> [Double]? {
        guard s.count > 0 else { return nil }
        let m = compute(s.count > window ? s.suffix(window) : s)
        return Array(m.row(m.rowCount - 1))
    }
}
