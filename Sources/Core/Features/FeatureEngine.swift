/// Feature values for one symbol, NaN where undefined, stored column by column (each
/// feature's values are contiguous, as the engine computes them).
public struct FeatureMatrix: Sendable {
    public let symbol: String
    public let names: [String]
    public let days: [Day]
    /// Column-major: feature j of row i is `columns[j * rowCount + i]`.
    public let columns: [Double]

    public var rowCount: Int { days.count }
    public var columnCount: Int { names.count }

    public func value(row: Int, column: Int) -> Double { columns[column * days.count + row] }

    /// One row's features, in column order.
    public func row(_ r: Int) -> [Double] { (0..<names.count).map { columns[$0 * days.count + r] } }

    /// True when no feature on the row is NaN (pandas `dropna` keeps it).
    public func isComplete(row r: Int) -> Bool {
        let n = days.count
        for c in 0..<names.count where columns[c * n + r].isNaN { return false }
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
        guard n > 0 else { return FeatureMatrix(symbol: s.symbol, names: names, days: s.days, columns: []) }
        let returns = UnsafeMutableBufferPointer<Double>.allocate(capacity: n)
        defer { returns.deallocate() }
        let columns = [Double](unsafeUninitializedCapacity: n * m) { out, count in
            compute(s, rows: 0..<n, returns: returns, into: out)
            count = n * m
        }
        return FeatureMatrix(symbol: s.symbol, names: names, days: s.days, columns: columns)
    }

    /// The features of rows `rows` of `s`, read in place — what ``compute(_:)`` gives for
    /// `s.slice(rows)`, the same kernels over the same values — into `columns`, column-major
    /// (`rows.count` values per feature); `returns` is scratch of at least `rows.count`. A
    /// backfill computes each day's window this way without copying or allocating.
    public func compute(_ s: SymbolSeries, rows: Range<Int>, returns: UnsafeMutableBufferPointer<Double>,
                        into columns: UnsafeMutableBufferPointer<Double>) {
        let n = rows.count
        precondition(returns.count >= n && columns.count >= n * features.count, "scratch too small")
        guard n > 0 else { return }
        let r = UnsafeMutableBufferPointer(rebasing: returns[0..<n])
        s.open.withUnsafeBufferPointer { o in
            s.high.withUnsafeBufferPointer { h in
                s.low.withUnsafeBufferPointer { l in
                    s.close.withUnsafeBufferPointer { c in
                        s.volume.withUnsafeBufferPointer { v in
                            let close = UnsafeBufferPointer(rebasing: c[rows])
                            ReturnFeature.returns(close: close, into: r)
                            let input = FeatureInput(open: UnsafeBufferPointer(rebasing: o[rows]),
                                                     high: UnsafeBufferPointer(rebasing: h[rows]),
                                                     low: UnsafeBufferPointer(rebasing: l[rows]), close: close,
                                                     volume: UnsafeBufferPointer(rebasing: v[rows]),
                                                     returns: UnsafeBufferPointer(r))
                            for (j, f) in features.enumerated() {
                                f.compute(input, into: UnsafeMutableBufferPointer(rebasing: columns[(j * n)..<((j + 1) * n)]))
                            }
                        }
                    }
                }
            }
        }
    }

    /// The last row's features, from only the last ``window`` rows (what a daily run ships).
    public func lastRow(_ s: SymbolSeries) -> [Double]? {
        guard s.count > 0 else { return nil }
        let m = compute(s.count > window ? s.suffix(window) : s)
        return m.row(m.rowCount - 1)
    }
}
