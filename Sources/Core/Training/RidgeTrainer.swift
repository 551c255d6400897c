/// Fits ridge regression on standardised features, closed form, and writes ``LinearModel``s.
///
/// Target: the next row's `Return` (the symbol's next trading day). Features are standardised
/// like scikit-learn's StandardScaler (population standard deviation; a constant column gets
/// scale 1), and `(XᵀX + αI) w = Xᵀ(y − ȳ)` is solved by Cholesky; the intercept is ȳ.
public struct RidgeTrainer: Sendable {
    public var alpha: Double
    public let engine: FeatureEngine
    /// Fewer usable rows than this and a per-symbol model is not fitted.
    public var minimumRows: Int

    public init(alpha: Double = 1.0, engine: FeatureEngine = FeatureEngine(), minimumRows: Int = 30) {
        self.alpha = alpha
        self.engine = engine
        self.minimumRows = minimumRows
    }

    /// Training rows (features of day t, Return of the next row) for one symbol, with the
    /// target's day no later than `until`.
    public func rows(_ s: SymbolSeries, until: Day? = nil) -> (x: [[Double]], y: [Double]) {
        let m = engine.compute(s)
        var xs: [[Double]] = [], ys: [Double] = []
        guard let ret = engine.names.firstIndex(of: "Return") else { return ([], []) }
        for r in 0..<max(0, m.rowCount - 1) where m.isComplete(row: r) {
            if let until, s.days[r + 1] > until { break }
            let y = m.value(row: r + 1, column: ret)
            guard y.isFinite else { continue }
            xs.append(m.row(r))
            ys.append(y)
        }
        return (xs, ys)
    }

    /// Fits one model on the given rows; nil when there are too few.
    public func fit(x: [[Double]], y: [Double]) -> LinearModel? {
        let n = x.count, p = engine.names.count
        guard n >= max(2, minimumRows), p > 0 else { return nil }
        var mean = [Double](repeating: 0, count: p), scale = [Double](repeating: 0, count: p)
        for row in x { for j in 0..<p { mean[j] += row[j] } }
        for j in 0..<p { mean[j] /= Double(n) }
        for row in x { for j in 0..<p { let d = row[j] - mean[j]; scale[j] += d * d } }
        for j in 0..<p { let s = (scale[j] / Double(n)).squareRoot(); scale[j] = s > 0 && s.isFinite ? s : 1 }
        let yMean = y.reduce(0, +) / Double(n)
        var a = [Double](repeating: 0, count: p * p), b = [Double](repeating: 0, count: p)
        var z = [Double](repeating: 0, count: p)
        for (row, yi) in zip(x, y) {
            for j in 0..<p { z[j] = (row[j] - mean[j]) / scale[j] }
            for j in 0..<p {
                b[j] += z[j] * (yi - yMean)
                for k in 0...j { a[j * p + k] += z[j] * z[k] }
            }
        }
        for j in 0..<p {
            for k in 0..<j { a[k * p + j] = a[j * p + k] }
            a[j * p + j] += alpha
        }
        guard let w = RidgeTrainer.choleskySolve(a, b, p) else { return nil }
        return LinearModel(features: engine.names, mean: mean, scale: scale, coefficients: w, intercept: yMean)
    }

    /// Solves A w = b for symmetric positive-definite A (p × p, row-major).
    static func choleskySolve(_ a: [Double], _ b: [Double], _ p: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in 0...i {
                var s = a[i * p + j]
                for k in 0..<j { s -= l[i * p + k] * l[j * p + k] }
                if i == j {
                    guard s > 0 else { return nil }
                    l[i * p + i] = s.squareRoot()
                } else {
                    l[i * p + j] = s / l[j * p + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: p)
        for i in 0..<p {
            var s = b[i]
            for k in 0..<i { s -= l[i * p + k] * y[k] }
            y[i] = s / l[i * p + i]
        }
        var w = [Double](repeating: 0, count: p)
        for i in stride(from: p - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<p { s -= l[k * p + i] * w[k] }
            w[i] = s / l[i * p + i]
        }
        return w
    }
}
